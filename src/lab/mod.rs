//! The labeling lab: trainees label buyer messages with the keyboard and are graded at once against
//! the reference (the gold label, else the classifier when confident, else an instructor's review).

pub mod cache;
pub mod corpus;
pub mod corpus_admin;
pub mod import;
pub mod queue;
pub mod redact;
pub mod review;
pub mod routes;
pub mod store;

use crate::db::Db;
use crate::taxonomy::{self, LabelKind};
use std::collections::HashSet;
use std::path::Path;

/// Which labels an exercise asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    pub intent: bool,
    pub emotion: bool,
    pub escalate: bool,
}

impl Fields {
    pub const FULL: Fields = Fields {
        intent: true,
        emotion: true,
        escalate: true,
    };
    pub const INTENT: Fields = Fields {
        intent: true,
        emotion: false,
        escalate: false,
    };

    /// `full` (intent, emotion, escalate) or `intent` (intent only).
    pub fn parse(mode: &str) -> Option<Fields> {
        match mode {
            "" | "full" => Some(Fields::FULL),
            "intent" => Some(Fields::INTENT),
            _ => None,
        }
    }

    pub fn mode(self) -> &'static str {
        if self == Fields::INTENT {
            "intent"
        } else {
            "full"
        }
    }

    pub fn key(self) -> String {
        let mut parts = Vec::new();
        if self.intent {
            parts.push("intent");
        }
        if self.emotion {
            parts.push("emotion");
        }
        if self.escalate {
            parts.push("escalate");
        }
        parts.join(",")
    }

    pub fn from_key(key: &str) -> Fields {
        Fields {
            intent: key.contains("intent"),
            emotion: key.contains("emotion"),
            escalate: key.contains("escalate"),
        }
    }
}

/// A reading of a message: any field may be unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    pub intent: Option<String>,
    pub emotion: Option<String>,
    pub escalate: Option<bool>,
}

/// Per-field results; None = not asked, or no reference for it (ungraded).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grade {
    pub intent: Option<bool>,
    pub emotion: Option<bool>,
    pub escalate: Option<bool>,
}

impl Grade {
    /// Correct overall when every asked field is graded and right; None while any is pending.
    pub fn overall(&self, fields: Fields) -> Option<bool> {
        let asked = [
            (fields.intent, self.intent),
            (fields.emotion, self.emotion),
            (fields.escalate, self.escalate),
        ];
        let mut all = true;
        for (is_asked, result) in asked {
            if is_asked {
                all &= result?;
            }
        }
        Some(all)
    }
}

/// Grades the asked fields of an answer against a reference.
pub fn grade(given: &Labels, reference: &Labels, fields: Fields) -> Grade {
    let cmp = |asked: bool, g: Option<&String>, r: Option<&String>| {
        if asked { r.map(|r| g == Some(r)) } else { None }
    };
    Grade {
        intent: cmp(
            fields.intent,
            given.intent.as_ref(),
            reference.intent.as_ref(),
        ),
        emotion: cmp(
            fields.emotion,
            given.emotion.as_ref(),
            reference.emotion.as_ref(),
        ),
        escalate: if fields.escalate {
            reference.escalate.map(|r| given.escalate == Some(r))
        } else {
            None
        },
    }
}

/// The intent and emotion keys of the taxonomy, for validating imported labels.
pub async fn keys(db: &Db) -> sqlx::Result<(HashSet<String>, HashSet<String>)> {
    let intents = taxonomy::store::list(db, LabelKind::Intent)
        .await?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let emotions = taxonomy::store::list(db, LabelKind::Emotion)
        .await?
        .into_iter()
        .map(|l| l.key)
        .collect();
    Ok((intents, emotions))
}

/// Loads every corpus file under `root/datasets`. Each file is all or nothing; broken files are
/// reported (file and line) and the others load.
pub async fn load_corpus(
    db: &Db,
    root: &Path,
) -> anyhow::Result<(store::UpsertStats, Vec<corpus::LineError>)> {
    let intents: HashSet<String> = taxonomy::store::list(db, LabelKind::Intent)
        .await?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let emotions: HashSet<String> = taxonomy::store::list(db, LabelKind::Emotion)
        .await?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let keys = corpus::Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let mut total = store::UpsertStats::default();
    let mut errors = Vec::new();
    for path in corpus::corpus_files(root)? {
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
        match corpus::parse_jsonl(&name, &text, &keys) {
            Ok(messages) => {
                let s = store::upsert_messages(db, &name, &messages).await?;
                total.inserted += s.inserted;
                total.updated += s.updated;
                total.unchanged += s.unchanged;
            }
            Err(file_errors) => errors.extend(file_errors),
        }
    }
    Ok((total, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(i: &str, e: &str, x: bool) -> Labels {
        Labels {
            intent: Some(i.into()),
            emotion: Some(e.into()),
            escalate: Some(x),
        }
    }

    #[test]
    fn grading_per_field_and_overall() {
        let gold = labels("wrong_item", "frustrated", false);
        let g = grade(&labels("wrong_item", "angry", false), &gold, Fields::FULL);
        assert_eq!(
            g,
            Grade {
                intent: Some(true),
                emotion: Some(false),
                escalate: Some(true)
            }
        );
        assert_eq!(g.overall(Fields::FULL), Some(false));
        let g = grade(&labels("wrong_item", "angry", true), &gold, Fields::INTENT);
        assert_eq!(
            g.overall(Fields::INTENT),
            Some(true),
            "only the asked field counts"
        );
        // A reference with only an intent (the classifier) leaves the other fields pending.
        let partial = Labels {
            intent: Some("wrong_item".into()),
            ..Labels::default()
        };
        let g = grade(&labels("wrong_item", "angry", true), &partial, Fields::FULL);
        assert_eq!(g.overall(Fields::FULL), None);
        assert_eq!(Fields::from_key(&Fields::FULL.key()), Fields::FULL);
        assert_eq!(Fields::parse("bogus"), None);
    }
}
