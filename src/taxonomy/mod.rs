//! The labeling taxonomy: intents and emotions with bilingual labels and definitions.
//! Seeded from `content/taxonomy.toml`; instructors extend it in the app.

pub mod routes;
pub mod store;

use std::borrow::Borrow;
use std::path::Path;

use crate::web::i18n::Locale;

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    Intent,
    Emotion,
}

impl LabelKind {
    pub fn key(self) -> &'static str {
        match self {
            LabelKind::Intent => "intent",
            LabelKind::Emotion => "emotion",
        }
    }
}

/// One intent or emotion.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub kind: LabelKind,
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
    pub definition_en: String,
    pub definition_zh: String,
}

impl Label {
    pub fn name(&self, locale: impl Borrow<Locale>) -> &str {
        locale.borrow().pick(&self.label_en, &self.label_zh)
    }

    pub fn definition(&self, locale: impl Borrow<Locale>) -> &str {
        locale
            .borrow()
            .pick(&self.definition_en, &self.definition_zh)
    }
}

#[derive(Deserialize)]
struct TaxonomyFile {
    intent: Vec<EntryFile>,
    emotion: Vec<EntryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    key: String,
    en: String,
    #[serde(rename = "zh-CN")]
    zh: String,
    definition: Definition,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Definition {
    en: String,
    #[serde(rename = "zh-CN")]
    zh: String,
}

/// A key is lower-case ASCII letters, digits and underscores: stable in URLs, forms and exports.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses a taxonomy file; errors name the problem (and TOML errors their line).
pub fn parse(source: &str) -> Result<Vec<Label>, String> {
    let file: TaxonomyFile = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut labels = Vec::new();
    for (kind, entries) in [
        (LabelKind::Intent, file.intent),
        (LabelKind::Emotion, file.emotion),
    ] {
        for e in entries {
            if !is_valid_key(&e.key) {
                return Err(format!(
                    "invalid {} key {:?}: use lower-case letters, digits and _",
                    kind.key(),
                    e.key
                ));
            }
            if labels
                .iter()
                .any(|l: &Label| l.kind == kind && l.key == e.key)
            {
                return Err(format!("duplicate {} key {:?}", kind.key(), e.key));
            }
            let texts = [&e.en, &e.zh, &e.definition.en, &e.definition.zh];
            if texts.iter().any(|t| t.trim().is_empty()) {
                return Err(format!(
                    "{} {:?} needs labels and definitions in en and zh-CN",
                    kind.key(),
                    e.key
                ));
            }
            labels.push(Label {
                kind,
                key: e.key,
                label_en: e.en,
                label_zh: e.zh,
                definition_en: e.definition.en,
                definition_zh: e.definition.zh,
            });
        }
    }
    if !labels.iter().any(|l| l.kind == LabelKind::Intent)
        || !labels.iter().any(|l| l.kind == LabelKind::Emotion)
    {
        return Err("the taxonomy needs at least one intent and one emotion".to_string());
    }
    Ok(labels)
}

pub fn load_file(path: &Path) -> anyhow::Result<Vec<Label>> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    parse(&source).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_taxonomy_has_18_intents_and_6_emotions() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/taxonomy.toml");
        let labels = load_file(&path).unwrap();
        let intents = labels
            .iter()
            .filter(|l| l.kind == LabelKind::Intent)
            .count();
        let emotions = labels
            .iter()
            .filter(|l| l.kind == LabelKind::Emotion)
            .count();
        assert_eq!((intents, emotions), (18, 6));
        assert!(labels.iter().any(|l| l.key == "threat_report"));
    }

    #[test]
    fn bad_files_are_explained() {
        let dup = r#"
[[intent]]
key = "a"
en = "A"
zh-CN = "甲"
definition = { en = "x", zh-CN = "x" }
[[intent]]
key = "a"
en = "A"
zh-CN = "甲"
definition = { en = "x", zh-CN = "x" }
[[emotion]]
key = "calm"
en = "Calm"
zh-CN = "平静"
definition = { en = "x", zh-CN = "x" }
"#;
        assert!(parse(dup).unwrap_err().contains("duplicate intent key"));
        assert!(parse("[[intent]]\nkey = 3").unwrap_err().contains("line"));
        assert!(!is_valid_key("Return-Refund"));
        assert!(is_valid_key("return_refund"));
    }
}
