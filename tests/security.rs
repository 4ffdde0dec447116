//! Hostile input against what exists: security headers on every kind of response, stored XSS
//! through display names, buyer messages and question text, oversized uploads, path traversal in
//! download names and SQL metacharacters in filters.

mod common;

use common::TestApp;
use intentdojo::accounts::Role;
use intentdojo::lab::corpus::CorpusMessage;

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

fn assert_escaped(html: &str) {
    assert!(!html.contains("<script>alert(1)"), "raw script tag in page");
    assert!(
        !html.contains("<img src=x onerror"),
        "raw event handler in page"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    for res in [
        reqwest::get(app.url("/login")).await.unwrap(),
        reqwest::get(app.url("/no/such/page")).await.unwrap(),
        trainee.get("/lab").await,
        trainee.get("/instruct/questions").await,
    ] {
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{} {csp}",
            res.url()
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    }
}

#[tokio::test]
async fn display_names_buyer_messages_and_questions_are_escaped_where_shown() {
    let app = TestApp::spawn().await;
    let (trainee, trainee_id) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let res = trainee
        .post(
            "/account",
            &[
                ("display_name", &format!("Mallory {XSS}")),
                ("locale", "en"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (_, html) = trainee.get_text("/account").await;
    assert!(html.contains("Mallory"));
    assert_escaped(&html);
    let (admin, _) = app.signed_in("a@example.com", &[Role::Admin]).await;
    let (_, html) = admin.get_text("/admin/users").await;
    assert!(html.contains("Mallory"));
    assert_escaped(&html);
    let (_, html) = admin.get_text(&format!("/admin/users/{trainee_id}")).await;
    assert_escaped(&html);

    // A buyer message with markup, imported like any other.
    let message = CorpusMessage {
        id: "xss-0001".into(),
        text: format!("Where is my order? {XSS}"),
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
    intentdojo::lab::store::upsert_messages(&app.db, "test", &[message])
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE external_id = 'xss-0001'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (status, html) = trainee
        .get_text(&format!("/lab/items/{id}?mode=intent"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Where is my order?"));
    assert_escaped(&html);
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "where_is_my_order")],
        )
        .await;
    let (_, html) = trainee.get_text(&common::location(&res)).await;
    assert_escaped(&html);

    // Question text in every format, names included.
    let gift = format!(
        "::Q {XSS}::[html]Hi {XSS}{{=a#{XSS} ~b}}\n\n::P::[plain]{XSS}{{T}}\n\n::M::[markdown]{XSS}{{F}}\n"
    )
    .replace("{{", "{")
    .replace("}}", "}");
    let items = intentdojo::quizzes::gift::parse(&gift).unwrap();
    intentdojo::quizzes::store::import_items(&app.db, &items, "test", None)
        .await
        .unwrap();
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (_, html) = instructor.get_text("/instruct/questions").await;
    assert_escaped(&html);
    for q in intentdojo::quizzes::store::list(&app.db, "top/Default")
        .await
        .unwrap()
    {
        let (status, html) = instructor
            .get_text(&format!("/instruct/questions/{}", q.id))
            .await;
        assert_eq!(status, 200);
        assert_escaped(&html);
    }
}

#[tokio::test]
async fn oversized_uploads_are_refused_with_413() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (_, html) = instructor.get_text("/instruct/questions").await;
    let token = common::csrf_from(&html).unwrap();
    for path in ["/instruct/questions/import", "/instruct/corpus/import"] {
        let big = vec![b'a'; 17 * 1024 * 1024];
        let form = reqwest::multipart::Form::new()
            .text("format", "jsonl")
            .part(
                "file",
                reqwest::multipart::Part::bytes(big).file_name("big.gift"),
            );
        let res = instructor
            .http
            .post(app.url(&format!("{path}?csrf_token={token}")))
            .multipart(form)
            .send()
            .await;
        // The server may answer 413 and close before the client finished sending.
        match res {
            Ok(res) => assert_eq!(res.status(), 413, "{path}"),
            Err(e) => assert!(e.is_request() || e.is_body(), "{path}: {e}"),
        }
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM questions WHERE source LIKE 'upload:%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn download_names_and_filters_cannot_escape() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    for path in [
        "/instruct/corpus/export/..%2F..%2F..%2Fetc%2Fpasswd",
        "/instruct/corpus/export/%2Fetc%2Fpasswd",
        "/instruct/corpus/export/messages.jsonl%00.csv",
    ] {
        let (status, body) = instructor.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("root:"), "{path}");
    }
    let before = intentdojo::quizzes::store::list(&app.db, "")
        .await
        .unwrap()
        .len();
    for filter in [
        "' OR 1=1 --",
        "intentdojo'; DROP TABLE questions; --",
        "%",
        "_",
    ] {
        let res = instructor
            .http
            .get(app.url("/instruct/questions"))
            .query(&[("category", filter)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{filter}");
        let html = res.text().await.unwrap();
        assert!(html.contains("0 questions"), "{filter} matched something");
    }
    assert_eq!(
        intentdojo::quizzes::store::list(&app.db, "")
            .await
            .unwrap()
            .len(),
        before
    );
}
