//! `intentdojo import gift FILE --dry-run [--json] [--category C]` run as an instructor would, on a
//! file with every GIFT construct (Moodle's documentation examples) and on broken files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

/// Every construct of Moodle's GIFT documentation, with comments, a category line, escapes, a
/// format and CRLF line ends as Windows editors save them.
const EVERY_CONSTRUCT: &str = "\
// Questions before the first $CATEGORY line go to --category.
Who's buried in Grant's tomb?{~Grant =Grant ~no one}

$CATEGORY: top/Moodle docs

::Jesus' hometown::Jesus Christ was from {
    ~Jerusalem#This was an important city, but the wrong answer.
    ~%25%Bethlehem#He was born here, but not raised here.
    ~%50%Galilee#You need to be more specific.
    =Nazareth#Yes! That's right!}.

What two people are entombed in Grant's tomb? {
    ~%-100%No one
    ~%50%Grant
    ~%50%Grant's wife
    ~%-100%Grant's father }

Grant is buried in Grant's tomb.{F#No one is buried in Grant's tomb.#Right: he is entombed.}

The sun rises in the east.{TRUE}

Who's buried in Grant's tomb?{=no one =%50%nobody####Grant and his wife are entombed there.}

When was Ulysses S. Grant born?{#1822:5}

What is a number from 1 to 5? {#1..5}

When was Ulysses S. Grant born? {#
    =1822:0#Correct!
    =%50%1822:2#Close.
    ~#Check a biography.}

Which animal eats which food? { =cat -> cat food =dog -> dog food }

Write a short biography of Dag Hammarskjöld. {}

You can use your pencil and paper for these next math questions.

Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.

[markdown]Which answer equals 5? {
    ~ \\= 2 + 2
    = \\= 2 + 3
    ~ \\= 2 + 4 }
";

fn import(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_intentdojo"))
        .args(["import", "gift"])
        .arg(file)
        .args(extra)
        .output()
        .expect("the intentdojo binary runs")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn dry_run_json_shows_every_construct() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "moodle.gift", &EVERY_CONSTRUCT.replace('\n', "\r\n"));
    let out = import(
        &file,
        &["--category", "top/Imported", "--dry-run", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let items: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let items = items.as_array().expect("a JSON array");
    let types: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "category",
            "multichoice",
            "category",
            "multichoice",
            "multichoice",
            "truefalse",
            "truefalse",
            "shortanswer",
            "numerical",
            "numerical",
            "numerical",
            "match",
            "essay",
            "description",
            "multichoice",
            "multichoice",
        ]
    );

    assert_eq!(
        items[0],
        json!({"type": "category", "name": "top/Imported"})
    );
    assert_eq!(
        items[1],
        json!({
            "type": "multichoice",
            "name": "Who's buried in Grant's tomb?",
            "text": "Who's buried in Grant's tomb?",
            "format": "moodle",
            "general_feedback": "",
            "single": true,
            "answers": [
                {"text": "Grant", "fraction": 0.0, "feedback": ""},
                {"text": "Grant", "fraction": 1.0, "feedback": ""},
                {"text": "no one", "fraction": 0.0, "feedback": ""},
            ],
        })
    );
    assert_eq!(
        items[2],
        json!({"type": "category", "name": "top/Moodle docs"})
    );

    let hometown = &items[3];
    assert_eq!(hometown["name"], "Jesus' hometown");
    assert_eq!(hometown["text"], "Jesus Christ was from _____.");
    let fractions: Vec<f64> = hometown["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fraction"].as_f64().unwrap())
        .collect();
    assert_eq!(fractions, [0.0, 0.25, 0.5, 1.0]);
    assert_eq!(
        hometown["answers"][2]["feedback"],
        "You need to be more specific."
    );

    let multiple = &items[4];
    assert_eq!(multiple["single"], false);
    assert_eq!(multiple["answers"][0]["fraction"], -1.0);
    assert_eq!(multiple["answers"][1]["fraction"], 0.5);

    assert_eq!(items[5]["correct"], false);
    assert_eq!(
        items[5]["feedback_true"],
        "No one is buried in Grant's tomb."
    );
    assert_eq!(items[5]["feedback_false"], "Right: he is entombed.");
    assert_eq!(items[6]["correct"], true);
    assert_eq!(items[6]["feedback_true"], "");

    assert_eq!(
        items[7]["answers"],
        json!([
            {"text": "no one", "fraction": 1.0, "feedback": ""},
            {"text": "nobody", "fraction": 0.5, "feedback": ""},
        ])
    );
    assert_eq!(
        items[7]["general_feedback"],
        "Grant and his wife are entombed there."
    );

    assert_eq!(
        items[8]["answers"],
        json!([{"text": "1822", "fraction": 1.0, "feedback": "", "tolerance": 5.0}])
    );
    assert_eq!(
        items[9]["answers"],
        json!([{"text": "3", "fraction": 1.0, "feedback": "", "tolerance": 2.0}])
    );
    assert_eq!(
        items[10]["answers"],
        json!([
            {"text": "1822", "fraction": 1.0, "feedback": "Correct!", "tolerance": 0.0},
            {"text": "1822", "fraction": 0.5, "feedback": "Close.", "tolerance": 2.0},
            {"text": "*", "fraction": 0.0, "feedback": "Check a biography.", "tolerance": 0.0},
        ])
    );

    assert_eq!(
        items[11]["pairs"],
        json!([
            {"question": "cat", "answer": "cat food"},
            {"question": "dog", "answer": "dog food"},
        ])
    );
    assert_eq!(
        items[12]["text"],
        "Write a short biography of Dag Hammarskjöld."
    );
    assert_eq!(
        items[13]["text"],
        "You can use your pencil and paper for these next math questions."
    );
    assert_eq!(
        items[14]["text"],
        "Moodle costs _____ to download from moodle.org."
    );
    assert_eq!(items[14]["answers"][1]["text"], "nothing");

    let escaped = &items[15];
    assert_eq!(escaped["format"], "markdown");
    assert_eq!(escaped["answers"][1]["text"], "= 2 + 3");
    assert_eq!(escaped["answers"][1]["fraction"], 1.0);
}

#[test]
fn dry_run_without_json_lists_the_questions() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "moodle.gift", EVERY_CONSTRUCT);
    let out = import(&file, &["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("14 question(s), nothing stored (dry run)"),
        "{stdout}"
    );
    assert!(stdout.contains("$CATEGORY: top/Moodle docs"), "{stdout}");
    assert!(
        stdout.contains("  numerical    When was Ulysses S. Grant born?"),
        "{stdout}"
    );
}

#[test]
fn broken_file_exits_1_and_names_every_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "broken.gift",
        "// line 1\nGood? {T}\n\nUnclosed {=a\n=b\n\nPick {\n  ~a\n  ~%12%b\n  =c\n}\n",
    );
    let out = import(&file, &["--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing is printed for a rejected file"
    );
    let stderr = stderr(&out);
    let path = file.display();
    assert!(
        stderr.contains(&format!(
            "{path}:4: '{{' is never closed by '}}' (write \\{{ for a literal brace)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}:9: weight 12% is not a grade Moodle accepts"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("2 error(s)"), "{stderr}");
}

#[test]
fn unreadable_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = import(&dir.path().join("missing.gift"), &["--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

/// Every shipped question bank file parses without error, and every classify question names
/// an intent and an emotion the shipped taxonomy has.
#[test]
fn the_shipped_question_banks_parse() {
    use intentdojo::quizzes::gift::{Item, QuestionKind};
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let labels = intentdojo::taxonomy::load_file(&content.join("taxonomy.toml")).unwrap();
    let known = |kind: intentdojo::taxonomy::LabelKind, key: &str| {
        labels.iter().any(|l| l.kind == kind && l.key == key)
    };
    let dir = content.join("quizzes");
    let mut files = 0;
    let mut classify = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "gift") {
            let text = std::fs::read_to_string(&path).unwrap();
            let items = intentdojo::quizzes::gift::parse(&text).unwrap_or_else(|e| {
                panic!(
                    "{}: {:?}",
                    path.display(),
                    e.iter().take(3).collect::<Vec<_>>()
                )
            });
            assert!(items.len() > 15, "{}", path.display());
            for item in &items {
                if let Item::Question(q) = item
                    && let QuestionKind::Classify(task) = &q.kind
                {
                    classify += 1;
                    assert!(
                        known(intentdojo::taxonomy::LabelKind::Intent, &task.intent)
                            && known(intentdojo::taxonomy::LabelKind::Emotion, &task.emotion),
                        "{}: {}",
                        path.display(),
                        q.name
                    );
                }
            }
            files += 1;
        }
    }
    assert_eq!(files, 6);
    assert!(classify >= 30, "{classify} classify questions");
}
