//! Importing messages (JSONL, CSV, Label Studio JSON) from the command line and the upload page,
//! all or nothing; exporting messages and answers as JSONL and CSV.

mod common;

use std::process::Command;

use common::{TestApp, location};
use intentdojo::accounts::Role;

const BIN: &str = env!("CARGO_BIN_EXE_intentdojo");

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn the_command_line_imports_csv_and_label_studio_whole_or_not_at_all() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let before = count(&app).await;
    let csv = write(
        &dir,
        "m.csv",
        "id,text,lang,platform,intent,emotion,escalate\nimp-1,\"Hi, the lid is cracked\",en,ebay,damaged_defective,neutral,no\nimp-2,Onde está?,pt-BR,shopee,,,\n",
    );
    let out = Command::new(BIN)
        .args([
            "import",
            "messages",
            &csv,
            "--format",
            "csv",
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 new"));
    assert_eq!(count(&app).await, before + 2);

    let broken = write(
        &dir,
        "bad.csv",
        "id,text,lang,platform,intent\nimp-3,ok,en,amazon,wrong_item\nimp-4,bad,en,walmart,\n",
    );
    let out = Command::new(BIN)
        .args([
            "import",
            "messages",
            &broken,
            "--format",
            "csv",
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:3: unknown platform"), "{stderr}");
    assert_eq!(
        count(&app).await,
        before + 2,
        "nothing of a broken file is imported"
    );

    let ls = write(
        &dir,
        "ls.json",
        r#"[{"id": 41, "data": {"text": "Where is my parcel?"}, "annotations": [{"result": [{"from_name": "intent", "type": "choices", "value": {"choices": ["where_is_my_order"]}}]}]}]"#,
    );
    let out = Command::new(BIN)
        .args([
            "import",
            "messages",
            &ls,
            "--format",
            "label-studio",
            "--lang",
            "en",
            "--platform",
            "amazon",
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let intent: Option<String> =
        sqlx::query_scalar("SELECT gold_intent FROM messages WHERE external_id = 'ls-41'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(intent.as_deref(), Some("where_is_my_order"));

    // Exports: messages round-trip through the import schema; answers have their columns.
    let out = Command::new(BIN)
        .args(["export", "messages", "--database-url", &app.database.url])
        .output()
        .unwrap();
    let jsonl = String::from_utf8(out.stdout).unwrap();
    assert_eq!(jsonl.lines().count() as i64, count(&app).await);
    let again = write(&dir, "again.jsonl", &jsonl);
    let out = Command::new(BIN)
        .args([
            "import",
            "messages",
            &again,
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 new, 0 updated"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn instructors_upload_files_and_download_exports() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM messages WHERE split = 'practice' ORDER BY id LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "wrong_item")],
        )
        .await;

    let (status, html) = instructor.get_text("/instruct/corpus").await;
    assert_eq!(status, 200);
    let token = common::csrf_from(&html).unwrap_or(instructor.csrf().await);
    let upload = |text: &'static str, format: &'static str| {
        let form = reqwest::multipart::Form::new().text("format", format).part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("upload.csv"),
        );
        instructor
            .http
            .post(app.url(&format!("/instruct/corpus/import?csrf_token={token}")))
            .multipart(form)
            .send()
    };
    let before = count(&app).await;
    let res = upload("id,text,lang,platform\nup-1,Hallo,de,amazon\n", "csv")
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/instruct/corpus");
    assert_eq!(count(&app).await, before + 1);
    let res = upload(
        "id,text,lang,platform\nup-2,x,de,amazon\nup-3,y,xx-yy-zz,amazon\n",
        "csv",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("upload.csv:3"));
    assert_eq!(count(&app).await, before + 1);
    // Without the token in the URL the upload is refused.
    let form = reqwest::multipart::Form::new().text("format", "csv");
    let res = instructor
        .http
        .post(app.url("/instruct/corpus/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let res = instructor.get("/instruct/corpus/export/answers.csv").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    assert!(text.starts_with("\u{feff}id,trainee,message_id,fields,given_intent"));
    assert!(text.contains("t@example.com"));
    let res = instructor
        .get("/instruct/corpus/export/messages.jsonl")
        .await;
    assert_eq!(
        res.text().await.unwrap().lines().count() as i64,
        count(&app).await
    );
    assert_eq!(
        instructor
            .get("/instruct/corpus/export/../../etc/passwd")
            .await
            .status(),
        404
    );
    assert_eq!(
        trainee
            .get("/instruct/corpus/export/answers.csv")
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn classifier_commands_evaluate_train_and_predict() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let rows = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(t, l)| serde_json::json!({"text": t, "label": l, "other": 1}).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let train = write(
        &dir,
        "train.jsonl",
        &rows(&[
            ("where is my parcel", "wismo"),
            ("parcel not arrived where is it", "wismo"),
            ("tracking where is order", "wismo"),
            ("refund please money back", "refund"),
            ("i want a refund", "refund"),
            ("give me my money back", "refund"),
        ]),
    );
    let test = write(
        &dir,
        "test.jsonl",
        &rows(&[
            ("where is the parcel", "wismo"),
            ("money back refund", "refund"),
        ]),
    );
    let out = Command::new(BIN)
        .args([
            "classifier",
            "eval",
            "--train",
            &train,
            "--test",
            &test,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "accuracy",
        "macro_f1",
        "train_seconds",
        "predict_per_second",
        "n_train",
        "n_test",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    assert_eq!(
        (
            report["n_train"].as_u64(),
            report["n_test"].as_u64(),
            report["accuracy"].as_f64()
        ),
        (Some(6), Some(2), Some(1.0))
    );
    let bad = write(&dir, "bad.jsonl", "{\"text\": \"x\"}\n");
    let out = Command::new(BIN)
        .args(["classifier", "eval", "--train", &bad, "--test", &test])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:1: no \"label\" label"));

    let out = Command::new(BIN)
        .args(["classifier", "train", "--database-url", &app.database.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("held-out accuracy"));
    let out = Command::new(BIN)
        .args([
            "classifier",
            "predict",
            "Wo bleibt meine Bestellung? Die Sendungsverfolgung zeigt nichts.",
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("intent") && text.contains("because"),
        "{text}"
    );
}

/// Upserts are batched (lookups of 500, inserts of 64 rows); the counts, the stored texts and an id
/// repeated within one import (the later line wins) must come out as they did line by line.
#[tokio::test]
async fn batched_upserts_insert_update_and_skip_exactly() {
    use intentdojo::lab::corpus::CorpusMessage;
    use intentdojo::lab::store::{UpsertStats, upsert_messages};
    let app = TestApp::spawn().await;
    let before = count(&app).await;
    let message = |i: usize, text: &str| CorpusMessage {
        id: format!("batch-{i:04}"),
        text: text.to_string(),
        lang: "en".into(),
        platform: "ebay".into(),
        context: vec![],
        intent: Some("where_is_my_order".into()),
        emotion: Some("neutral".into()),
        escalate: Some(false),
        rationale: Default::default(),
        split: "practice".into(),
        hard: false,
    };
    let mut first: Vec<CorpusMessage> = (0..150)
        .map(|i| message(i, &format!("Where is parcel number {i}?")))
        .collect();
    // Id 70 again, changed, after its first version was queued in an insert batch.
    first.push(message(70, "Where is parcel seventy? Second thoughts."));
    let stats = upsert_messages(&app.db, "test", &first).await.unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            inserted: 150,
            updated: 1,
            unchanged: 0
        }
    );
    assert_eq!(count(&app).await, before + 150);
    let text: String = sqlx::query_scalar("SELECT text FROM messages WHERE external_id = $1")
        .bind("batch-0070")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(text, "Where is parcel seventy? Second thoughts.");

    let mut again: Vec<CorpusMessage> = (0..150)
        .map(|i| message(i, &format!("Where is parcel number {i}?")))
        .collect();
    again[3].text = "Where is parcel three, please?".into();
    again.push(message(150, "A new one."));
    let stats = upsert_messages(&app.db, "test", &again).await.unwrap();
    // 70 goes back to its first text: an update too.
    assert_eq!(
        stats,
        UpsertStats {
            inserted: 1,
            updated: 2,
            unchanged: 148
        }
    );
    assert_eq!(count(&app).await, before + 151);
}

/// Imports can mask personal data: the upload page (checkbox) and the command line (`--redact`)
/// store the masked text and say how many items were masked; order ids and dates stay.
#[tokio::test]
async fn imports_mask_personal_data_and_say_how_much() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("pii@example.com", &[Role::Instructor]).await;
    let csv = "id,text,lang,platform\n\
        pii-1,\"Hola, me llamo Carlos Ruiz. Pedido 114-3941689-8772232 del 2026-11-02. Escríbanme a carlos.ruiz@example.com o al +34 612 345 678\",es,amazon\n";
    let (_, html) = instructor.get_text("/instruct/corpus").await;
    let token = common::csrf_from(&html).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("format", "csv")
        .text("redact", "on")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("pii.csv"),
        );
    let res = instructor
        .http
        .post(app.url(&format!("/instruct/corpus/import?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/instruct/corpus?masked=1,1,0,1");
    let (_, page) = instructor.get_text(&location(&res)).await;
    assert!(page.contains("Masked 3 item(s) of personal data"), "{page}");
    let stored: String =
        sqlx::query_scalar("SELECT text FROM messages WHERE external_id = 'pii-1'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        "Hola, me llamo [name]. Pedido 114-3941689-8772232 del 2026-11-02. Escríbanme a [email] o al [phone]"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "pii2.csv",
        "id,text,lang,platform\npii-2,\"My name is Ann Lee, call me on 555-123-4567\",en,ebay\n",
    );
    let out = Command::new(BIN)
        .args([
            "import",
            "messages",
            &file,
            "--format",
            "csv",
            "--redact",
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("masked 2 item(s)"), "{stdout}");
    let stored: String =
        sqlx::query_scalar("SELECT text FROM messages WHERE external_id = 'pii-2'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, "My name is [name], call me on [phone]");
}
