//! UI languages and message catalogs. Every UI string lives in `locales/<lang>.toml`; templates ask
//! for keys. A test checks that both catalogs have the same keys and that templates use only known keys.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// BCP 47 tag, used in `<html lang>`, cookies and the database.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The one of two texts written in this language (content keeps an English and a Chinese
    /// column side by side).
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Locale::En => en,
            Locale::ZhCn => zh,
        }
    }

    /// The language's own name, shown in the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
        }
    }

    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Some(Locale::En)
        } else if tag == "zh" || tag.starts_with("zh-") {
            Some(Locale::ZhCn)
        } else {
            None
        }
    }

    /// Picks the best supported language from an Accept-Language header (q-values respected).
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut candidates: Vec<(f32, usize, Locale)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                (q > 0.0).then_some(())?;
                Locale::parse(tag).map(|l| (q, i, l))
            })
            .collect();
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.first().map(|c| c.2)
    }

    fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("locales/en.toml"),
            Locale::ZhCn => include_str!("locales/zh-CN.toml"),
        }
    }

    pub fn catalog(self) -> &'static HashMap<String, String> {
        static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
        static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
        let cell = match self {
            Locale::En => &EN,
            Locale::ZhCn => &ZH,
        };
        cell.get_or_init(|| flatten_catalog(self.source()).unwrap_or_default())
    }

    /// The message for `key`; an unknown key shows itself, so a gap is visible rather than blank.
    pub fn t(self, key: &str) -> &str {
        match self.catalog().get(key) {
            Some(s) => s.as_str(),
            None => {
                tracing::warn!(key, locale = self.tag(), "missing message");
                key_fallback(key)
            }
        }
    }
}

fn key_fallback(key: &str) -> &str {
    key
}

/// Replaces `{name}` placeholders in a message.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Turns nested TOML tables into dotted keys: `[login] title = ".."` becomes `login.title`.
pub fn flatten_catalog(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = source.parse().map_err(|e| format!("{e}"))?;
    let mut out = HashMap::new();
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                toml::Value::Table(t) => walk(&key, t, out)?,
                other => return Err(format!("{key}: expected text, found {}", other.type_str())),
            }
        }
        Ok(())
    }
    walk("", &table, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn accept_language_is_negotiated_with_q_values() {
        assert_eq!(
            Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::negotiate("de-DE,de;q=0.9,en;q=0.5,zh;q=0.4"),
            Some(Locale::En)
        );
        assert_eq!(Locale::negotiate("en;q=0.2, zh-TW"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("fr,de"), None);
        assert_eq!(Locale::negotiate("zh;q=0"), None);
    }

    #[test]
    fn both_catalogs_parse_and_have_the_same_keys() {
        let en = flatten_catalog(Locale::En.source()).expect("en.toml parses");
        let zh = flatten_catalog(Locale::ZhCn.source()).expect("zh-CN.toml parses");
        let en_keys: BTreeSet<_> = en.keys().collect();
        let zh_keys: BTreeSet<_> = zh.keys().collect();
        let only_en: Vec<_> = en_keys.difference(&zh_keys).collect();
        let only_zh: Vec<_> = zh_keys.difference(&en_keys).collect();
        assert!(
            only_en.is_empty() && only_zh.is_empty(),
            "only in en: {only_en:?}; only in zh-CN: {only_zh:?}"
        );
        assert!(
            en.values().chain(zh.values()).all(|v| !v.trim().is_empty()),
            "no empty messages"
        );
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let en = flatten_catalog(Locale::En.source()).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut files = Vec::new();
        collect_files(&root.join("templates"), &mut files);
        collect_files(&root.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for key in used_keys(&text) {
                if !en.contains_key(&key) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogs:\n{}",
            missing.join("\n")
        );
    }

    fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                out.push(path);
            }
        }
    }

    /// Keys appear as `t` / `tf` calls with a literal in templates, and as "area.key" string literals that name
    /// a message in code (errors, flashes, nav). Only dotted lower-case literals count.
    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t(\"", "tf(\"", "key: \"", "Err(\"", "flash(\"", "msg(\""] {
            let mut rest = text;
            while let Some(pos) = rest.find(marker) {
                rest = &rest[pos + marker.len()..];
                if let Some(end) = rest.find('"') {
                    let candidate = &rest[..end];
                    if candidate.contains('.')
                        && candidate.chars().all(|c| {
                            c.is_ascii_lowercase() || c == '.' || c == '_' || c.is_ascii_digit()
                        })
                    {
                        keys.push(candidate.to_string());
                    }
                }
            }
        }
        keys
    }
}
