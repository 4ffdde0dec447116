//! The labeling lab over HTTP: next item, labeling, grading, feedback with the classifier's view,
//! exam isolation, privacy of answers, pending answers reaching the review queue and being regraded,
//! flags, and the classifier page.

mod common;

use common::{TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::lab::corpus::CorpusMessage;
use intentdojo::lab::store;

fn id_from(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split(['?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn message_id(app: &TestApp, external: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM messages WHERE external_id = $1")
        .bind(external)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_trainee_labels_a_message_and_gets_graded_feedback() {
    let app = TestApp::spawn_with(|c| c.train_at_start = true).await;
    let (trainee, trainee_id) = app.signed_in("t@example.com", &[Role::Trainee]).await;

    let res = trainee.get("/lab/next?mode=full").await;
    assert_eq!(res.status(), 303);
    let item = location(&res);
    assert!(
        item.starts_with("/lab/items/") && item.ends_with("?mode=full"),
        "{item}"
    );
    let id = id_from(&item, "/lab/items/");
    let (status, html) = trainee.get_text(&item).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="intent""#)
            && html.contains(r#"name="emotion""#)
            && html.contains(r#"name="escalate""#)
    );
    assert!(
        html.contains("data-key=\"1\""),
        "keyboard shortcuts are on the form"
    );

    let message = store::message_by_id(&app.db, id).await.unwrap().unwrap();
    assert_eq!(message.split, "practice");
    let gold = message.gold.clone();
    let wrong_emotion = if gold.emotion.as_deref() == Some("angry") {
        "positive"
    } else {
        "angry"
    };
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[
                ("mode", "full"),
                ("intent", gold.intent.as_deref().unwrap()),
                ("emotion", wrong_emotion),
                (
                    "escalate",
                    if gold.escalate == Some(true) {
                        "yes"
                    } else {
                        "no"
                    },
                ),
                ("shown_at", &(intentdojo::db::now_ms() - 4200).to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let feedback = location(&res);
    let answer_id = id_from(&feedback, "/lab/answers/");
    let (status, html) = trainee.get_text(&feedback).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not quite"), "one field was wrong");
    // The rationale as the template escapes it (any message may be drawn: quotes, <, & included).
    let escaped = message
        .rationale_en
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    assert!(html.contains(&escaped), "{escaped}");
    assert!(html.contains("What the reference classifier reads"));

    let answer = store::answer_by_id(&app.db, answer_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.user_id, trainee_id);
    assert_eq!(
        (answer.grade.intent, answer.grade.emotion, answer.correct),
        (Some(true), Some(false), Some(false))
    );
    assert_eq!(answer.ref_source, "gold");
    assert!(
        (3000..=20_000).contains(&answer.millis),
        "time taken measured: {}",
        answer.millis
    );

    // Another trainee cannot see it; a missing field is a clear 422; an unknown label a 400.
    let (other, _) = app.signed_in("o@example.com", &[Role::Trainee]).await;
    assert_eq!(other.get(&feedback).await.status(), 404);
    assert_eq!(
        other
            .post(&format!("/lab/answers/{answer_id}/flag"), &[("note", "x")])
            .await
            .status(),
        404
    );
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "full"), ("intent", "wrong_item")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose a label in every group")
    );
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "teleport")],
        )
        .await;
    assert_eq!(res.status(), 400);

    let (status, html) = trainee.get_text("/lab/summary").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your mistakes in this session"));
}

#[tokio::test]
async fn exam_messages_never_appear_in_practice() {
    let app = TestApp::spawn().await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let exam: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE split = 'exam'")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(exam.len() > 100);
    assert_eq!(
        trainee
            .get(&format!("/lab/items/{}", exam[0]))
            .await
            .status(),
        404
    );
    assert_eq!(
        trainee
            .post(
                &format!("/lab/items/{}", exam[0]),
                &[("mode", "intent"), ("intent", "wrong_item")]
            )
            .await
            .status(),
        404
    );
    for _ in 0..40 {
        let res = trainee.get("/lab/next?mode=intent").await;
        let id = id_from(&location(&res), "/lab/items/");
        assert!(!exam.contains(&id));
    }
}

#[tokio::test]
async fn an_ungraded_answer_reaches_the_review_queue_and_is_regraded_when_confirmed() {
    // A threshold of 1.0 means the classifier never grades: unlabeled messages wait for review.
    let app = TestApp::spawn_with(|c| c.classifier_threshold = 1.0).await;
    let unlabeled = CorpusMessage {
        id: "new-0001".into(),
        text: "Hallo, das Paket kam offen an und das Ladekabel fehlt.".into(),
        lang: "de".into(),
        platform: "amazon".into(),
        context: vec![],
        intent: None,
        emotion: None,
        escalate: None,
        rationale: Default::default(),
        split: "practice".into(),
        hard: false,
    };
    store::upsert_messages(&app.db, "test", &[unlabeled])
        .await
        .unwrap();
    let id = message_id(&app, "new-0001").await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[
                ("mode", "full"),
                ("intent", "missing_part"),
                ("emotion", "neutral"),
                ("escalate", "no"),
            ],
        )
        .await;
    let answer_id = id_from(&location(&res), "/lab/answers/");
    let (_, html) = trainee.get_text(&format!("/lab/answers/{answer_id}")).await;
    assert!(html.contains("waiting for review"));
    assert_eq!(
        store::answer_by_id(&app.db, answer_id)
            .await
            .unwrap()
            .unwrap()
            .correct,
        None
    );

    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (status, html) = instructor.get_text("/instruct/review").await;
    assert_eq!(status, 200);
    assert!(html.contains("new-0001") && html.contains("1 answers waiting"));
    let res = instructor
        .post(
            &format!("/instruct/review/{id}"),
            &[
                ("intent", "missing_part"),
                ("emotion", "frustrated"),
                ("escalate", "no"),
                ("rationale_en", "The cable is missing."),
                ("rationale_zh", "缺少充电线。"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let regraded = store::answer_by_id(&app.db, answer_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(regraded.ref_source, "gold");
    assert_eq!(
        (
            regraded.grade.intent,
            regraded.grade.emotion,
            regraded.correct
        ),
        (Some(true), Some(false), Some(false))
    );
    let (_, html) = instructor.get_text("/instruct/review").await;
    assert!(!html.contains("new-0001"), "done items leave the queue");
    assert_eq!(
        instructor
            .post(
                "/instruct/review/999999",
                &[
                    ("intent", "missing_part"),
                    ("emotion", "neutral"),
                    ("escalate", "no")
                ]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        instructor
            .post(
                &format!("/instruct/review/{id}"),
                &[("intent", "x"), ("emotion", "neutral"), ("escalate", "no")]
            )
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn a_confident_classifier_grades_an_unlabeled_message() {
    let app = TestApp::spawn_with(|c| {
        c.classifier_threshold = 0.0;
        c.train_at_start = true;
    })
    .await;
    let unlabeled = CorpusMessage {
        id: "new-0002".into(),
        text: "Where is my order? The tracking number has not updated for a week.".into(),
        lang: "en".into(),
        platform: "amazon".into(),
        context: vec![],
        intent: None,
        emotion: None,
        escalate: None,
        rationale: Default::default(),
        split: "practice".into(),
        hard: false,
    };
    store::upsert_messages(&app.db, "test", &[unlabeled])
        .await
        .unwrap();
    let id = message_id(&app, "new-0002").await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "where_is_my_order")],
        )
        .await;
    let answer = store::answer_by_id(&app.db, id_from(&location(&res), "/lab/answers/"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.ref_source, "classifier");
    assert!(answer.correct.is_some());
}

#[tokio::test]
async fn flags_reach_the_review_queue() {
    let app = TestApp::spawn().await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let id = id_from(
        &location(&trainee.get("/lab/next?mode=intent").await),
        "/lab/items/",
    );
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "other_spam")],
        )
        .await;
    let feedback = location(&res);
    let answer_id = id_from(&feedback, "/lab/answers/");
    assert_eq!(
        trainee
            .post(
                &format!("/lab/answers/{answer_id}/flag"),
                &[("note", "I think the gold is off")]
            )
            .await
            .status(),
        303
    );
    let (_, html) = trainee.get_text(&feedback).await;
    assert!(html.contains("You flagged this reference"));
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (_, html) = instructor.get_text("/instruct/review").await;
    assert!(html.contains("I think the gold is off") && html.contains("1 flags"));
}

#[tokio::test]
async fn the_classifier_page_shows_the_evaluation_and_retrains_on_demand() {
    let app = TestApp::spawn_with(|c| c.train_at_start = true).await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (status, html) = instructor.get_text("/instruct/classifier").await;
    assert_eq!(status, 200);
    assert!(html.contains("macro-F1") && html.contains("Confusion matrix"));
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM classifier_models")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        instructor
            .post("/instruct/classifier/train", &[])
            .await
            .status(),
        303
    );
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM classifier_models")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(after, before + 3, "one stored evaluation per field");
    let accuracy: f64 = sqlx::query_scalar(
        "SELECT accuracy FROM classifier_models WHERE field = 'intent' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        accuracy > 0.4,
        "intent accuracy on held-out gold: {accuracy}"
    );
}

#[tokio::test]
async fn instructors_extend_the_taxonomy_and_trainees_can_use_the_new_intent() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    // The trainee's process has the taxonomy cached before the instructor changes it.
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let first = location(&trainee.get("/lab/next?mode=intent").await);
    let (_, html) = trainee.get_text(&first).await;
    assert!(!html.contains("Address change"));
    let fields = |key: &'static str| {
        vec![
            ("kind", "intent"),
            ("key", key),
            ("label_en", "Address change"),
            ("label_zh", "修改地址"),
            (
                "definition_en",
                "The buyer wants to change the delivery address.",
            ),
            ("definition_zh", "买家想修改收货地址。"),
        ]
    };
    assert_eq!(
        instructor
            .post("/instruct/taxonomy", &fields("address_change"))
            .await
            .status(),
        303
    );
    assert_eq!(
        instructor
            .post("/instruct/taxonomy", &fields("address_change"))
            .await
            .status(),
        409
    );
    assert_eq!(
        instructor
            .post("/instruct/taxonomy", &fields("Address-Change"))
            .await
            .status(),
        422
    );
    let (_, html) = instructor.get_text("/instruct/taxonomy").await;
    assert!(html.contains("address_change") && html.contains("Intents (19)"));
    let id = id_from(
        &location(&trainee.get("/lab/next?mode=intent").await),
        "/lab/items/",
    );
    let (_, html) = trainee
        .get_text(&format!("/lab/items/{id}?mode=intent"))
        .await;
    assert!(html.contains("Address change"));
    let res = trainee
        .post(
            &format!("/lab/items/{id}"),
            &[("mode", "intent"), ("intent", "address_change")],
        )
        .await;
    assert_eq!(res.status(), 303, "the new key is accepted");
}

/// The practice pool is cached per process; a corpus change made through the store (by an import,
/// possibly in another process) must reach `/lab/next` at once.
#[tokio::test]
async fn the_cached_practice_pool_follows_corpus_changes() {
    let app = TestApp::spawn().await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let res = trainee.get("/lab/next?mode=intent").await;
    assert_eq!(res.status(), 303);

    // Re-import the corpus with every practice message but one moved to the exam split.
    let exported = store::export_messages(&app.db).await.unwrap();
    let keep = exported.iter().find(|m| m["split"] == "practice").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lines: Vec<String> = exported
        .into_iter()
        .map(|mut m| {
            if m["id"] != keep.as_str() {
                m["split"] = "exam".into();
            }
            m.to_string()
        })
        .collect();
    let intents: std::collections::HashSet<String> =
        intentdojo::taxonomy::store::list(&app.db, intentdojo::taxonomy::LabelKind::Intent)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect();
    let emotions: std::collections::HashSet<String> =
        intentdojo::taxonomy::store::list(&app.db, intentdojo::taxonomy::LabelKind::Emotion)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect();
    let keys = intentdojo::lab::corpus::Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let messages: Vec<CorpusMessage> =
        intentdojo::lab::corpus::parse_jsonl("all.jsonl", &lines.join("\n"), &keys).unwrap();
    store::upsert_messages(&app.db, "test", &messages)
        .await
        .unwrap();

    let kept = message_id(&app, &keep).await;
    for _ in 0..5 {
        let res = trainee.get("/lab/next?mode=intent").await;
        assert_eq!(
            id_from(&location(&res), "/lab/items/"),
            kept,
            "only one practice message is left"
        );
    }
    let (_, html) = trainee.get_text("/lab").await;
    assert!(html.contains("1 practice messages."), "{html}");
}
