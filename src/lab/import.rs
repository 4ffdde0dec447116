//! Importing messages from other tools: our JSONL, CSV, and Label Studio's JSON export of text
//! classification tasks. Every message passes the same validation as the corpus files; any error
//! rejects the whole file, each error naming its line (or, in Label Studio JSON, its task).

use std::collections::HashSet;

use serde_json::Value;

use super::corpus::{self, CorpusMessage, Keys, LineError, Rationale};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    LabelStudio,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "jsonl" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "label-studio" => Some(Format::LabelStudio),
            _ => None,
        }
    }
}

/// Language and platform for Label Studio tasks whose data does not say.
pub struct Defaults<'a> {
    pub lang: Option<&'a str>,
    pub platform: Option<&'a str>,
}

pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub fn parse(
    format: Format,
    file: &str,
    text: &str,
    keys: &Keys,
    defaults: &Defaults,
) -> Result<Vec<CorpusMessage>, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Jsonl => corpus::parse_jsonl(file, text, keys),
        Format::Csv => parse_csv(file, text, keys),
        Format::LabelStudio => parse_label_studio(file, text, keys, defaults),
    }
}

fn finish(
    file: &str,
    items: Vec<(usize, CorpusMessage)>,
    keys: &Keys,
    mut errors: Vec<LineError>,
) -> Result<Vec<CorpusMessage>, Vec<LineError>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, m) in items {
        let err = |message: String| LineError {
            file: file.to_string(),
            line,
            message,
        };
        match corpus::check(&m, keys) {
            Ok(()) if !seen.insert(m.id.clone()) => {
                errors.push(err(format!("id {:?} appears twice", m.id)))
            }
            Ok(()) => out.push(m),
            Err(message) => errors.push(err(message)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn escalate_value(raw: &str) -> Result<Option<bool>, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "true" | "1" | "y" => Ok(Some(true)),
        "no" | "false" | "0" | "n" => Ok(Some(false)),
        other => Err(format!("escalate {other:?} must be yes or no")),
    }
}

/// CSV with a header row: `id,text,lang,platform` required; `intent,emotion,escalate,rationale_en,
/// rationale_zh,split,hard` optional (empty = no gold for that field).
fn parse_csv(file: &str, text: &str, keys: &Keys) -> Result<Vec<CorpusMessage>, Vec<LineError>> {
    let err = |line: usize, message: String| {
        vec![LineError {
            file: file.to_string(),
            line,
            message,
        }]
    };
    let records = crate::csv::records(text).map_err(|e| err(e.line, e.reason))?;
    let mut records = records.into_iter();
    let Some((header_line, header)) = records.next() else {
        return Err(err(1, "the file is empty".into()));
    };
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = ["id", "text", "lang", "platform"]
        .into_iter()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(err(
            header_line,
            format!("the header lacks the column(s) {}", missing.join(", ")),
        ));
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (line, fields) in records {
        let get = |name: &str| {
            col(name)
                .and_then(|i| fields.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let opt = |name: &str| {
            Some(get(name))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let escalate = match escalate_value(get("escalate")) {
            Ok(v) => v,
            Err(e) => {
                errors.push(LineError {
                    file: file.to_string(),
                    line,
                    message: e,
                });
                continue;
            }
        };
        items.push((
            line,
            CorpusMessage {
                id: get("id").to_string(),
                text: get("text").to_string(),
                lang: get("lang").to_string(),
                platform: get("platform").to_string(),
                context: Vec::new(),
                intent: opt("intent"),
                emotion: opt("emotion"),
                escalate,
                rationale: Rationale {
                    en: get("rationale_en").to_string(),
                    zh: get("rationale_zh").to_string(),
                },
                split: opt("split").unwrap_or_else(|| "practice".into()),
                hard: matches!(get("hard"), "1" | "true" | "yes"),
            },
        ));
    }
    finish(file, items, keys, errors)
}

/// Label Studio's JSON export: an array of tasks `{id, data: {text, lang?, platform?}, annotations:
/// [{result: [{from_name, type: "choices", value: {choices: [..]}}], was_cancelled?}]}`. Choices named
/// `intent`, `emotion` or `escalate` fill those fields; a single unnamed choice set is the intent. The
/// last annotation that was not cancelled wins. "Lines" in errors are task numbers (1-based).
fn parse_label_studio(
    file: &str,
    text: &str,
    keys: &Keys,
    defaults: &Defaults,
) -> Result<Vec<CorpusMessage>, Vec<LineError>> {
    let err = |line: usize, message: String| LineError {
        file: file.to_string(),
        line,
        message,
    };
    let tasks: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(tasks)) => tasks,
        Ok(_) => {
            return Err(vec![err(
                1,
                "expected a JSON array of tasks (Label Studio's JSON export)".into(),
            )]);
        }
        Err(e) => return Err(vec![err(e.line(), format!("not valid JSON: {e}"))]),
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        let n = i + 1;
        let data = &task["data"];
        let Some(text) = data["text"].as_str() else {
            errors.push(err(n, format!("task {n}: data.text is missing")));
            continue;
        };
        let id = match &task["id"] {
            Value::Number(id) => format!("ls-{id}"),
            Value::String(id) => format!("ls-{id}"),
            _ => format!("ls-task-{n}"),
        };
        let lang = data["lang"].as_str().or(defaults.lang);
        let platform = data["platform"].as_str().or(defaults.platform);
        let (Some(lang), Some(platform)) = (lang, platform) else {
            errors.push(err(
                n,
                format!("task {n}: no lang/platform in data; pass --lang and --platform"),
            ));
            continue;
        };
        let annotation = task["annotations"].as_array().and_then(|a| {
            a.iter()
                .rev()
                .find(|an| !an["was_cancelled"].as_bool().unwrap_or(false))
        });
        let mut labels: Vec<(String, String)> = Vec::new();
        if let Some(results) = annotation.and_then(|a| a["result"].as_array()) {
            for r in results.iter().filter(|r| r["type"] == "choices") {
                let name = r["from_name"].as_str().unwrap_or("").to_string();
                if let Some(choice) = r["value"]["choices"]
                    .as_array()
                    .and_then(|c| c.first())
                    .and_then(Value::as_str)
                {
                    labels.push((name, choice.to_string()));
                }
            }
        }
        let named = |field: &str| {
            labels
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| v.clone())
        };
        let intent = named("intent").or_else(|| {
            if labels.len() == 1 {
                Some(labels[0].1.clone())
            } else {
                None
            }
        });
        let escalate = match named("escalate").map(|v| escalate_value(&v)).transpose() {
            Ok(v) => v.flatten(),
            Err(e) => {
                errors.push(err(n, format!("task {n}: {e}")));
                continue;
            }
        };
        items.push((
            n,
            CorpusMessage {
                id,
                text: text.to_string(),
                lang: lang.to_string(),
                platform: platform.to_string(),
                context: Vec::new(),
                intent,
                emotion: named("emotion"),
                escalate,
                rationale: Rationale::default(),
                split: "practice".into(),
                hard: false,
            },
        ));
    }
    finish(file, items, keys, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_keys<T>(f: impl FnOnce(&Keys) -> T) -> T {
        let intents: HashSet<String> = ["wrong_item", "where_is_my_order"].map(String::from).into();
        let emotions: HashSet<String> = ["neutral"].map(String::from).into();
        f(&Keys {
            intents: &intents,
            emotions: &emotions,
        })
    }

    const NO_DEFAULTS: Defaults = Defaults {
        lang: None,
        platform: None,
    };

    #[test]
    fn csv_imports_with_optional_gold_and_quoted_text() {
        let csv = "id,text,lang,platform,intent,emotion,escalate\r\n\
                   c1,\"Wrong colour, I ordered blue\",en,amazon,wrong_item,neutral,no\r\n\
                   c2,¿Dónde está?,es,mercado_libre,,,\r\n";
        let m = with_keys(|k| parse(Format::Csv, "a.csv", csv, k, &NO_DEFAULTS)).unwrap();
        assert_eq!(m[0].text, "Wrong colour, I ordered blue");
        assert_eq!((m[0].escalate, m[1].intent.clone()), (Some(false), None));
        let bad = "id,text,lang\nc1,x,en\n";
        let e = with_keys(|k| parse(Format::Csv, "b.csv", bad, k, &NO_DEFAULTS)).unwrap_err();
        assert!(e[0].message.contains("platform"));
        let bad = "id,text,lang,platform,intent\nc1,x,en,amazon,wrong_item\nc2,y,en,walmart,\nc3,z,en,amazon,teleport\n";
        let e = with_keys(|k| parse(Format::Csv, "c.csv", bad, k, &NO_DEFAULTS)).unwrap_err();
        assert_eq!(e.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn label_studio_exports_import_with_named_or_single_choices() {
        let json = r#"[
          {"id": 7, "data": {"text": "Where is my parcel?", "lang": "en", "platform": "ebay"},
           "annotations": [{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["where_is_my_order"]}}]}]},
          {"id": 8, "data": {"text": "Got the red one, ordered black"},
           "annotations": [
             {"was_cancelled": true, "result": []},
             {"result": [
               {"from_name": "intent", "type": "choices", "value": {"choices": ["wrong_item"]}},
               {"from_name": "emotion", "type": "choices", "value": {"choices": ["neutral"]}},
               {"from_name": "escalate", "type": "choices", "value": {"choices": ["no"]}}]}]},
          {"id": 9, "data": {"text": "no annotation yet", "lang": "en", "platform": "amazon"}, "annotations": []}
        ]"#;
        let defaults = Defaults {
            lang: Some("en"),
            platform: Some("amazon"),
        };
        let m = with_keys(|k| parse(Format::LabelStudio, "ls.json", json, k, &defaults)).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(
            (m[0].id.as_str(), m[0].intent.as_deref()),
            ("ls-7", Some("where_is_my_order"))
        );
        assert_eq!(
            (
                m[1].intent.as_deref(),
                m[1].emotion.as_deref(),
                m[1].escalate
            ),
            (Some("wrong_item"), Some("neutral"), Some(false))
        );
        assert_eq!(m[1].platform, "amazon", "defaults fill missing data fields");
        assert_eq!(m[2].intent, None);
        let e = with_keys(|k| {
            parse(
                Format::LabelStudio,
                "ls.json",
                "[{\"data\": {}}]",
                k,
                &defaults,
            )
        })
        .unwrap_err();
        assert!(e[0].message.contains("task 1: data.text"));
        let e = with_keys(|k| {
            parse(
                Format::LabelStudio,
                "ls.json",
                "[\n{\"id\": 1,\n",
                k,
                &defaults,
            )
        })
        .unwrap_err();
        assert!(e[0].message.contains("not valid JSON"));
    }
}
