//! The question bank: the shipped GIFT banks load at start, instructors browse and preview
//! questions, import GIFT files whole or not at all (a changed question gets a new version), and
//! export GIFT that imports back unchanged; the same from the command line.

mod common;

use std::process::Command;

use common::{TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::quizzes::{gift, store};

const BIN: &str = env!("CARGO_BIN_EXE_intentdojo");

/// One question of every type, with feedback, weights, a format and a missing word.
const EVERY_TYPE: &str = "\
$CATEGORY: top/Bank test/Types

::Refund window::[markdown]A buyer asks for a refund **45 days** after delivery on a marketplace
with a 30-day window. What do you check first? {
    =Whether the item is faulty or not as described#Right: the window does not apply the same way.
    ~%-50%Nothing: refuse politely#Refusing without checking invites a claim.
    ~Their order history#Not decisive here.
####Windows differ for change-of-mind returns and for faulty items.}

::Pick two::Which of these are where-is-my-order messages? {
    ~%50%¿Dónde está mi pedido?
    ~%50%Wo bleibt meine Bestellung?
    ~%-100%Das Gerät ist kaputt.}

::TF::\"Ich will mein Geld zurück\" asks for money back.{T#Yes: Geld zurück = money back.#It does.}

::Short::Name the intent of \"もういらないです\" when the parcel is late.{=shipping_delay =shipping delay}

::Numeric::How many days is the window in the example above?{#30:0}

::Range::Pick a number from 1 to 5.{#1..5}

::Match::Match the message to its intent. { =Where is my parcel? -> where_is_my_order =It arrived broken -> damaged_defective =Too small -> size_fit }

::Essay::Write a reply to an angry buyer whose parcel is two weeks late. {}

::Intro::This part is about reading intent.

::Missing word::The buyer's tone is {=polite ~rude ~neutral} but the threat is real.
";

fn questions_in(text: &str) -> usize {
    gift::parse(text)
        .unwrap()
        .iter()
        .filter(|i| matches!(i, gift::Item::Question(_)))
        .count()
}

#[tokio::test]
async fn the_shipped_banks_load_and_instructors_browse_and_preview_them() {
    let app = TestApp::spawn().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content/quizzes");
    let mut expected = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "gift") {
            expected += questions_in(&std::fs::read_to_string(path).unwrap());
        }
    }
    let all = store::list(&app.db, "").await.unwrap();
    assert_eq!(all.len(), expected);
    assert!(expected >= 150);

    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (status, html) = instructor.get_text("/instruct/questions").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("{expected} questions")));
    assert!(html.contains("intentdojo/final-exam/intent"));
    let (_, html) = instructor
        .get_text("/instruct/questions?category=intentdojo/final-exam")
        .await;
    let in_exam = all
        .iter()
        .filter(|q| q.category.starts_with("intentdojo/final-exam/"))
        .count();
    assert!(in_exam > 0 && html.contains(&format!("{in_exam} questions")));

    let multichoice = all.iter().find(|q| q.qtype == "multichoice").unwrap();
    let (status, html) = instructor
        .get_text(&format!("/instruct/questions/{}", multichoice.id))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("100%") && html.contains("v1"));
    assert_eq!(
        instructor.get("/instruct/questions/999999").await.status(),
        404
    );
    assert_eq!(
        instructor.get("/instruct/questions/abc").await.status(),
        404
    );

    // Starting again (a restart) changes nothing.
    let (stats, errors) = intentdojo::quizzes::load_banks(
        &app.db,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
    )
    .await
    .unwrap();
    assert!(errors.is_empty());
    assert_eq!((stats.inserted, stats.new_versions), (0, 0));
    assert_eq!(stats.unchanged, expected);
}

#[tokio::test]
async fn uploads_are_whole_or_nothing_versioned_and_export_round_trips() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (_, html) = instructor.get_text("/instruct/questions").await;
    let token = common::csrf_from(&html).unwrap();
    let upload = |text: String| {
        let form = reqwest::multipart::Form::new()
            .text("category", "top/Uploaded")
            .part(
                "file",
                reqwest::multipart::Part::bytes(text.into_bytes()).file_name("bank.gift"),
            );
        instructor
            .http
            .post(app.url(&format!("/instruct/questions/import?csrf_token={token}")))
            .multipart(form)
            .send()
    };
    let before = store::list(&app.db, "").await.unwrap().len();

    // Two errors: nothing is stored, both lines are named.
    let broken = format!("{EVERY_TYPE}\n::Bad::Unclosed {{=a ~b\n\n::Bad2::{{#abc}}\n");
    let res = upload(broken).await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("bank.gift:"), "{html}");
    assert_eq!(store::list(&app.db, "").await.unwrap().len(), before);

    let res = upload(EVERY_TYPE.to_string()).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/instruct/questions");
    let imported = store::list(&app.db, "top/Bank test").await.unwrap();
    assert_eq!(imported.len(), questions_in(EVERY_TYPE));
    let types: std::collections::BTreeSet<&str> =
        imported.iter().map(|q| q.qtype.as_str()).collect();
    for t in [
        "multichoice",
        "truefalse",
        "shortanswer",
        "numerical",
        "match",
        "essay",
        "description",
    ] {
        assert!(types.contains(t), "{t} missing: {types:?}");
    }

    // Same file again: unchanged. One question changed: a new version of that one only.
    assert_eq!(upload(EVERY_TYPE.to_string()).await.unwrap().status(), 303);
    assert_eq!(
        store::list(&app.db, "top/Bank test").await.unwrap().len(),
        imported.len()
    );
    let changed = EVERY_TYPE.replace("{#30:0}", "{#30:1}");
    assert_eq!(upload(changed).await.unwrap().status(), 303);
    let after = store::list(&app.db, "top/Bank test").await.unwrap();
    let numeric = after.iter().find(|q| q.name == "Numeric").unwrap();
    assert_eq!(numeric.version, 2);
    assert!(
        after
            .iter()
            .filter(|q| q.name != "Numeric")
            .all(|q| q.version == 1)
    );
    let (_, html) = instructor
        .get_text(&format!("/instruct/questions/{}", numeric.id))
        .await;
    assert!(html.contains("v2") && html.contains("v1"));

    // Export, parse, compare: the same questions, and importing the export changes nothing.
    let res = instructor
        .get("/instruct/questions/export.gift?category=top/Bank%20test")
        .await;
    assert_eq!(res.status(), 200);
    let exported = res.text().await.unwrap();
    assert_eq!(
        gift::parse(&exported).unwrap(),
        store::as_items(&after),
        "{exported}"
    );
    let stats = store::import_items(&app.db, &gift::parse(&exported).unwrap(), "test", None)
        .await
        .unwrap();
    assert_eq!(
        (stats.inserted, stats.new_versions, stats.unchanged),
        (0, 0, after.len())
    );

    // Markdown is sanitised in the preview.
    let evil = "::Evil::[markdown]Hi <script>alert(1)</script>{T}\n";
    assert_eq!(upload(evil.to_string()).await.unwrap().status(), 303);
    let q = store::list(&app.db, "top/Uploaded")
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.name == "Evil")
        .unwrap();
    let (_, html) = instructor
        .get_text(&format!("/instruct/questions/{}", q.id))
        .await;
    assert!(!html.contains("<script>alert"), "{html}");
}

#[tokio::test]
async fn the_command_line_imports_and_exports_gift() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cli.gift");
    std::fs::write(&file, EVERY_TYPE).unwrap();
    let out = Command::new(BIN)
        .args(["import", "gift"])
        .arg(&file)
        .args(["--database-url", &app.database.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{} new question(s)", questions_in(EVERY_TYPE))),
        "{stdout}"
    );

    let broken = dir.path().join("broken.gift");
    std::fs::write(&broken, "::A::Fine {T}\n\n::B::{=x ~y\n").unwrap();
    let before = store::list(&app.db, "").await.unwrap().len();
    let out = Command::new(BIN)
        .args(["import", "gift"])
        .arg(&broken)
        .args(["--database-url", &app.database.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.gift:3"));
    assert_eq!(store::list(&app.db, "").await.unwrap().len(), before);

    let out = Command::new(BIN)
        .args(["export", "questions", "--category", "top/Bank test"])
        .args(["--database-url", &app.database.url])
        .output()
        .unwrap();
    assert!(out.status.success());
    let exported = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        gift::parse(&exported).unwrap(),
        store::as_items(&store::list(&app.db, "top/Bank test").await.unwrap())
    );
}
