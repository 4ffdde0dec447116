//! The message corpus files (`content/datasets/*.jsonl`): parsing and validation. A file with any bad
//! line is rejected whole, each error naming file and line.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::courses::render::PLATFORMS;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub from: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct Rationale {
    #[serde(default)]
    pub en: String,
    #[serde(rename = "zh-CN", default)]
    pub zh: String,
}

/// One corpus line. Gold fields are optional: unlabeled messages are graded by the classifier or
/// go to the review queue.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CorpusMessage {
    pub id: String,
    pub text: String,
    pub lang: String,
    pub platform: String,
    #[serde(default)]
    pub context: Vec<Turn>,
    pub intent: Option<String>,
    pub emotion: Option<String>,
    pub escalate: Option<bool>,
    #[serde(default)]
    pub rationale: Rationale,
    #[serde(default = "practice")]
    pub split: String,
    #[serde(default)]
    pub hard: bool,
}

fn practice() -> String {
    "practice".to_string()
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

pub struct Keys<'a> {
    pub intents: &'a HashSet<String>,
    pub emotions: &'a HashSet<String>,
}

pub const MAX_TEXT_CHARS: usize = 4000;

pub fn check(m: &CorpusMessage, keys: &Keys) -> Result<(), String> {
    let id_ok = !m.id.is_empty()
        && m.id.len() <= 64
        && m.id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !id_ok {
        return Err(format!("id {:?}: use 1 to 64 letters, digits, - _ .", m.id));
    }
    if m.text.trim().is_empty() || m.text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("text must have 1 to {MAX_TEXT_CHARS} characters"));
    }
    let lang_ok = {
        let mut parts = m.lang.split('-');
        let first = parts.next().unwrap_or("");
        (2..=3).contains(&first.len())
            && first.chars().all(|c| c.is_ascii_lowercase())
            && parts.all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_uppercase()))
    };
    if !lang_ok {
        return Err(format!(
            "lang {:?} is not a language tag such as en, pt-BR, ja",
            m.lang
        ));
    }
    if !PLATFORMS.contains(&m.platform.as_str()) {
        return Err(format!(
            "unknown platform {:?} (expected one of {})",
            m.platform,
            PLATFORMS.join(", ")
        ));
    }
    if let Some(i) = &m.intent
        && !keys.intents.contains(i)
    {
        return Err(format!("unknown intent {i:?}"));
    }
    if let Some(e) = &m.emotion
        && !keys.emotions.contains(e)
    {
        return Err(format!("unknown emotion {e:?}"));
    }
    if m.split != "practice" && m.split != "exam" {
        return Err(format!("split {:?} must be practice or exam", m.split));
    }
    for t in &m.context {
        if (t.from != "buyer" && t.from != "seller") || t.text.trim().is_empty() {
            return Err("each earlier turn needs from: buyer|seller and a text".to_string());
        }
    }
    Ok(())
}

/// Parses a whole JSONL text; any error rejects the file (all errors are returned, up to 50).
pub fn parse_jsonl(
    file: &str,
    text: &str,
    keys: &Keys,
) -> Result<Vec<CorpusMessage>, Vec<LineError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| LineError {
            file: file.to_string(),
            line: i + 1,
            message,
        };
        match serde_json::from_str::<CorpusMessage>(line) {
            Ok(m) => match check(&m, keys) {
                Ok(()) if !seen.insert(m.id.clone()) => {
                    errors.push(err(format!("id {:?} appears twice", m.id)))
                }
                Ok(()) => out.push(m),
                Err(message) => errors.push(err(message)),
            },
            Err(e) => errors.push(err(format!("not a valid message: {e}"))),
        }
        if errors.len() >= 50 {
            break;
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The corpus files of a content folder, sorted.
pub fn corpus_files(root: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let dir = root.join("datasets");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (HashSet<String>, HashSet<String>) {
        (
            ["wrong_item".to_string()].into(),
            ["neutral".to_string()].into(),
        )
    }

    #[test]
    fn good_lines_parse_and_bad_ones_are_reported_with_line_numbers() {
        let (i, e) = keys();
        let k = Keys {
            intents: &i,
            emotions: &e,
        };
        let good = r#"{"id":"x-1","text":"Wrong colour","lang":"en","platform":"amazon","intent":"wrong_item","emotion":"neutral","escalate":false,"rationale":{"en":"r","zh-CN":"r"},"split":"practice"}"#;
        let unlabeled = r#"{"id":"x-2","text":"hola","lang":"es","platform":"mercado_libre"}"#;
        let parsed = parse_jsonl("f.jsonl", &format!("{good}\n\n{unlabeled}\n"), &k).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].intent, None);
        assert_eq!(parsed[1].split, "practice");

        let bad = format!(
            "{good}\n{{not json\n{}\n{}\n{good}\n",
            good.replace("amazon", "walmart"),
            good.replace("x-1", "x-9").replace("wrong_item", "teleport")
        );
        let errors = parse_jsonl("f.jsonl", &bad, &k).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(errors[1].message.contains("unknown platform"));
        assert!(errors[2].message.contains("unknown intent"));
        assert!(errors[3].message.contains("appears twice"));
        assert_eq!(
            errors[0].to_string().split(':').take(2).collect::<Vec<_>>(),
            ["f.jsonl", "2"]
        );
    }
}
