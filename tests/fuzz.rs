//! Fuzz targets for everything that reads untrusted text: the GIFT parser (with its tag, mark and
//! classify comment lines), the lesson renderer (markdown plus the message/check blocks), the
//! corpus importers (JSONL, CSV, Label Studio JSON) and the personal-data masker.
//!
//! A coverage-free mutation fuzzer, so it runs on the stable toolchain in the ordinary test suite:
//! inputs start from the shipped content (real GIFT banks, lessons, corpus lines) and from a
//! dictionary of each format's syntax, and are mutated by splicing, token insertion, truncation
//! and byte flips. Every input must come back as a value or an error, never a panic (the test
//! fails on one, printing the input), and within a time limit (a hang fails too). GIFT that parses
//! must also write back to GIFT that parses the same.
//!
//! `INTENTDOJO_FUZZ_SECONDS` sets the time per target (default 2: the short run CI does on every
//! build; `bash .ci/run` adds a longer run), `INTENTDOJO_FUZZ_SEED` the seed (default: the clock,
//! printed, so a failure can be replayed).

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// No single input may take longer than this (debug build, loaded machine).
const PER_INPUT_LIMIT: Duration = Duration::from_secs(2);

fn seconds() -> Duration {
    let s = std::env::var("INTENTDOJO_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(s)
}

fn seed() -> u64 {
    std::env::var("INTENTDOJO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

fn content() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/content"))
}

/// Seeds: whole files cut into chunks of a few lines, so mutations stay near real syntax.
fn seeds_from(files: &[std::path::PathBuf], chunk_lines: usize) -> Vec<String> {
    let mut seeds = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for chunk in lines.chunks(chunk_lines).take(60) {
            seeds.push(chunk.join("\n"));
        }
    }
    seeds
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_ending(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// One mutation of `input`: splice another seed in, insert dictionary tokens, cut, or flip bytes.
fn mutate(rng: &mut StdRng, seeds: &[String], tokens: &[&str]) -> String {
    let mut bytes = seeds[rng.random_range(0..seeds.len())].as_bytes().to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..6) {
            0 => {
                let token = tokens[rng.random_range(0..tokens.len())];
                bytes.splice(at..at, token.bytes());
            }
            1 => {
                let other = seeds[rng.random_range(0..seeds.len())].as_bytes();
                let from = rng.random_range(0..=other.len());
                let to = rng.random_range(from..=other.len());
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            2 => bytes.truncate(at),
            3 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            4 if at < bytes.len() => {
                let to = rng.random_range(at..=bytes.len().min(at + 40));
                bytes.drain(at..to);
            }
            _ => {
                let token = tokens[rng.random_range(0..tokens.len())];
                for _ in 0..rng.random_range(1..30) {
                    bytes.extend_from_slice(token.as_bytes());
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `target` on mutated inputs for the configured time; fails on a panic or a slow input.
fn fuzz(name: &str, seeds: Vec<String>, tokens: &[&str], target: impl Fn(&str)) {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let budget = seconds();
    let started = Instant::now();
    let mut runs = 0u64;
    // Seeds themselves first, then mutations until the time is up.
    let mut next_seed = 0;
    while started.elapsed() < budget || next_seed < seeds.len().min(200) {
        let input = if next_seed < seeds.len().min(200) {
            next_seed += 1;
            seeds[next_seed - 1].clone()
        } else {
            mutate(&mut rng, &seeds, tokens)
        };
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
        let took = t.elapsed();
        assert!(
            outcome.is_ok(),
            "{name} panicked (INTENTDOJO_FUZZ_SEED={seed}) on input:\n{input:?}"
        );
        assert!(
            took < PER_INPUT_LIMIT,
            "{name} took {took:?} (INTENTDOJO_FUZZ_SEED={seed}) on input:\n{input:?}"
        );
        runs += 1;
    }
    eprintln!(
        "fuzz {name}: {runs} inputs in {:?}, seed {seed}",
        started.elapsed()
    );
}

#[test]
fn fuzz_gift_parser_and_writer() {
    use intentdojo::quizzes::gift;
    let seeds = seeds_from(&files_ending(&content().join("quizzes"), ".gift"), 8);
    let tokens = [
        "{",
        "}",
        "~",
        "=",
        "#",
        "####",
        "::",
        ":",
        "\\",
        "%50%",
        "%-100%",
        "->",
        "..",
        "\n\n",
        "[markdown]",
        "[html]",
        "[plain]",
        "$CATEGORY: a/b",
        "// [tag:x]",
        "// [mark:2]",
        "// classify: {\"message\":\"m\",\"intent\":\"i\",\"emotion\":\"e\"}",
        "// classify: {",
        "{#",
        "{T}",
        "{FALSE}",
        "\\n",
        "_____",
        "\r",
        "中",
        "\u{feff}",
    ];
    fuzz("gift", seeds, &tokens, |input| {
        if let Ok(items) = gift::parse(input) {
            let written = gift::to_gift(&items);
            assert_eq!(
                gift::parse(&written).ok().as_ref(),
                Some(&items),
                "written GIFT parses back the same:\n{written}"
            );
        }
    });
}

#[test]
fn fuzz_lesson_renderer() {
    use intentdojo::courses::render::{Segment, Vocabulary, render_lesson};
    let seeds: Vec<String> = files_ending(&content().join("courses"), ".md")
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let vocab = Vocabulary {
        intents: ["where_is_my_order", "shipping_delay", "return_refund"]
            .map(String::from)
            .into(),
        emotions: ["neutral", "angry", "anxious"].map(String::from).into(),
    };
    let tokens = [
        "+++\n",
        "```message\n",
        "```check\n",
        "```\n",
        "---\n",
        "> seller: ",
        "lang: es\n",
        "intent: where_is_my_order\n",
        "id: x\n",
        "q: ?\n",
        "* right || why\n",
        "- wrong\n",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[a](javascript:alert(1))",
        "| a | b |\n|---|---|\n",
        "[^1]",
        "\n\n",
        "**",
        "`",
        "#",
        "\u{0}",
    ];
    fuzz("lesson", seeds, &tokens, |input| {
        if let Ok((_, lesson)) = render_lesson(input, &vocab) {
            // The HTML parts are sanitised; message and check texts are plain text, escaped by
            // the templates, so a "<script>" typed in a buyer message is allowed there.
            for segment in &lesson.segments {
                let html = match segment {
                    Segment::Html(html) => html.as_str(),
                    Segment::Message(m) => m.explanation_html.as_str(),
                    Segment::Check(_) => continue,
                };
                assert!(!html.contains("<script"), "sanitised: {html}");
                assert!(!html.contains("href=\"javascript"), "sanitised: {html}");
            }
        }
    });
}

#[test]
fn fuzz_corpus_importers() {
    use intentdojo::lab::corpus::Keys;
    use intentdojo::lab::import::{Defaults, Format, parse};
    let mut seeds = seeds_from(&files_ending(&content().join("datasets"), ".jsonl"), 3);
    seeds.push(
        "id,text,lang,platform,intent,emotion,escalate\nx-1,\"Hola, \"\"ya\"\"\",es,amazon,where_is_my_order,neutral,no\n"
            .into(),
    );
    seeds.push(
        r#"[{"id": 1, "data": {"text": "Where is it?", "lang": "en", "platform": "ebay"}, "annotations": [{"result": [{"from_name": "intent", "type": "choices", "value": {"choices": ["where_is_my_order"]}}]}]}]"#
            .into(),
    );
    let intents: HashSet<String> = ["where_is_my_order", "shipping_delay", "return_refund"]
        .map(String::from)
        .into();
    let emotions: HashSet<String> = ["neutral", "angry", "anxious"].map(String::from).into();
    let keys = Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let tokens = [
        "\"",
        ",",
        "\n",
        "{",
        "}",
        "[",
        "]",
        ":",
        "null",
        "true",
        "\"context\":[{\"from\":\"seller\"}]",
        "\"annotations\":",
        "\"choices\":",
        "\r\n",
        "\\u0000",
        "\\\"",
        "=cmd|' /C calc'!A0",
    ];
    fuzz("importers", seeds, &tokens, |input| {
        for format in [Format::Jsonl, Format::Csv, Format::LabelStudio] {
            let defaults = Defaults {
                lang: Some("en"),
                platform: Some("amazon"),
            };
            if let Err(errors) = parse(format, "fuzz", input, &keys, &defaults) {
                // Every rejection says where and what.
                assert!(!errors.is_empty());
                for e in errors {
                    assert!(!e.message.trim().is_empty(), "an error with no message");
                }
            }
        }
    });
}

#[test]
fn fuzz_personal_data_masker() {
    use intentdojo::lab::redact::redact;
    let seeds = seeds_from(&files_ending(&content().join("datasets"), ".jsonl"), 1);
    let tokens = [
        "@",
        "a@b.co",
        "+",
        "+34 612 345 678",
        "(11) 98765-4321",
        "my name is ",
        "Name: ",
        "Calle ",
        "Straße 5",
        "丁目",
        "〒",
        "114-3941689-8772232",
        "2026-11-23",
        " ",
        "-",
        ".",
        "0",
        "9",
        "é",
    ];
    fuzz("redact", seeds, &tokens, |input| {
        let (out, counts) = redact(input);
        // No e-mail address survives a pass: a second pass finds none.
        let (_, more) = redact(&out);
        assert_eq!(more.emails, 0, "{counts:?}: {out}");
    });
}
