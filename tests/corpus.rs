//! The shipped message corpus meets its brief: size, coverage of intents and languages, earlier
//! turns, hard cases, a held-out exam split, and no near-duplicates.

use std::collections::{HashMap, HashSet};

use intentdojo::lab::corpus::{self, CorpusMessage, Keys};

fn load() -> Vec<CorpusMessage> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let labels = intentdojo::taxonomy::load_file(&root.join("taxonomy.toml")).unwrap();
    let intents: HashSet<String> = labels
        .iter()
        .filter(|l| l.kind == intentdojo::taxonomy::LabelKind::Intent)
        .map(|l| l.key.clone())
        .collect();
    let emotions: HashSet<String> = labels
        .iter()
        .filter(|l| l.kind == intentdojo::taxonomy::LabelKind::Emotion)
        .map(|l| l.key.clone())
        .collect();
    let keys = Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let mut all = Vec::new();
    for path in corpus::corpus_files(&root).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let messages = corpus::parse_jsonl(&path.display().to_string(), &text, &keys)
            .unwrap_or_else(|e| {
                panic!(
                    "{}",
                    e.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
        all.extend(messages);
    }
    all
}

#[test]
fn the_corpus_covers_intents_languages_context_and_hard_cases() {
    let all = load();
    let gold: Vec<&CorpusMessage> = all
        .iter()
        .filter(|m| m.intent.is_some() && m.emotion.is_some() && m.escalate.is_some())
        .collect();
    assert!(gold.len() >= 2000, "{} gold messages", gold.len());
    let mut per_intent: HashMap<&str, usize> = HashMap::new();
    let mut per_lang: HashMap<&str, usize> = HashMap::new();
    for m in &gold {
        *per_intent.entry(m.intent.as_deref().unwrap()).or_default() += 1;
        *per_lang.entry(m.lang.as_str()).or_default() += 1;
    }
    assert_eq!(per_intent.len(), 18);
    assert!(per_intent.values().all(|n| *n >= 80), "{per_intent:?}");
    for lang in ["en", "es", "pt-BR", "de", "fr", "ja"] {
        assert!(
            per_lang.get(lang).copied().unwrap_or(0) >= 150,
            "{lang}: {per_lang:?}"
        );
    }
    let context = gold.iter().filter(|m| !m.context.is_empty()).count() as f64 / gold.len() as f64;
    let hard = gold.iter().filter(|m| m.hard).count() as f64 / gold.len() as f64;
    let exam = gold.iter().filter(|m| m.split == "exam").count() as f64 / gold.len() as f64;
    assert!(context >= 0.15, "context {context:.2}");
    assert!(hard >= 0.10, "hard {hard:.2}");
    assert!((0.10..=0.25).contains(&exam), "exam {exam:.2}");
    let platforms: HashSet<&str> = gold.iter().map(|m| m.platform.as_str()).collect();
    assert_eq!(platforms.len(), 7);
    assert!(
        gold.iter()
            .all(|m| !m.rationale.en.is_empty() && !m.rationale.zh.is_empty())
    );
}

fn trigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out: Vec<u64> = chars
        .windows(3)
        .map(|w| {
            w.iter().fold(0xcbf29ce484222325u64, |h, c| {
                (h ^ *c as u64).wrapping_mul(0x100000001b3)
            })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 {
        1.0
    } else {
        shared as f64 / union as f64
    }
}

/// No two messages of a language share 70% of their character trigrams (the same check the
/// writers ran); exact duplicates across languages are caught too.
#[test]
fn there_are_no_near_duplicates() {
    let all = load();
    let mut by_lang: HashMap<&str, Vec<(&str, Vec<u64>)>> = HashMap::new();
    let mut exact: HashSet<String> = HashSet::new();
    for m in &all {
        let normal: String = m
            .text
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(exact.insert(normal), "{} is an exact duplicate", m.id);
        by_lang
            .entry(m.lang.as_str())
            .or_default()
            .push((m.id.as_str(), trigrams(&m.text)));
    }
    let mut found = Vec::new();
    for items in by_lang.values() {
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let (a, b) = (&items[i].1, &items[j].1);
                // Cheap bound: sets of very different sizes cannot reach 0.7.
                let (small, large) = if a.len() < b.len() {
                    (a.len(), b.len())
                } else {
                    (b.len(), a.len())
                };
                if large == 0 || (small as f64) < 0.7 * large as f64 {
                    continue;
                }
                if jaccard(a, b) >= 0.7 {
                    found.push(format!("{} ~ {}", items[i].0, items[j].0));
                }
            }
        }
    }
    assert!(found.is_empty(), "near-duplicates:\n{}", found.join("\n"));
}
