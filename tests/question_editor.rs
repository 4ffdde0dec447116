//! Writing questions in the browser, on SQLite and (with INTENTDOJO_TEST_DATABASE=postgres)
//! PostgreSQL: every change is a new version and past attempts keep theirs; tags drive random
//! draws; "classify this message" questions are scored per field; what the editor saves exports
//! as GIFT and imports back unchanged.

mod common;

use common::{Client, TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::quizzes::{attempts, gift, store};

/// Posts the editor form and returns the new or edited question's id.
async fn save_question(client: &Client, path: &str, fields: &[(&str, &str)]) -> i64 {
    let res = client.post(path, fields).await;
    assert_eq!(res.status(), 303, "saved: {path}");
    location(&res)
        .trim_start_matches("/instruct/questions/")
        .parse()
        .expect("redirects to the question")
}

fn multichoice(name: &str, text: &str, tags: &str) -> Vec<(String, String)> {
    [
        ("qtype", "multichoice"),
        ("category", "test/editor"),
        ("name", name),
        ("format", "markdown"),
        ("text", text),
        ("default_mark", "1"),
        ("tags", tags),
        ("single", "1"),
        ("a0_text", "return_refund"),
        ("a0_grade", "1"),
        ("a0_feedback", "Yes: the buyer wants to send it back."),
        ("a1_text", "cancellation"),
        ("a1_grade", "0"),
        ("a1_feedback", "It has shipped already."),
        ("a2_text", ""),
        ("a2_grade", "0"),
        ("general_feedback", "Stage of the order decides."),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Creates a published quiz through the settings form.
async fn quiz_with(instructor: &Client, slug: &str, settings: &[(&str, &str)]) -> i64 {
    let res = instructor
        .post("/instruct/quizzes", &[("slug", slug), ("title", slug)])
        .await;
    assert_eq!(res.status(), 303);
    let edit = location(&res);
    let mut fields = vec![
        ("title", slug),
        ("title_zh", "测验"),
        ("published", "on"),
        ("grading", "highest"),
        ("pass_percent", "50"),
        ("review", "after_submission"),
    ];
    fields.extend_from_slice(settings);
    let res = instructor.post(&edit, &fields).await;
    assert_eq!(res.status(), 303, "quiz settings saved");
    edit.rsplit('/').next().unwrap().parse().unwrap()
}

async fn start(trainee: &Client, quiz_id: i64) -> i64 {
    let res = trainee
        .post(&format!("/quizzes/{quiz_id}/start"), &[])
        .await;
    assert_eq!(res.status(), 303);
    location(&res)
        .trim_start_matches("/attempts/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_edit_is_a_new_version_and_past_attempts_keep_theirs() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("ed@edit.example", &[Role::Instructor]).await;
    let (trainee, _) = app.signed_in("tia@edit.example", &[Role::Trainee]).await;

    // The type menu, then the form of a type.
    let (status, html) = instructor.get_text("/instruct/questions/new").await;
    assert_eq!(status, 200);
    assert!(html.contains("type=classify") && html.contains("type=match"));
    let (status, html) = instructor
        .get_text("/instruct/questions/new?type=numerical&category=test/editor")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("a0_tolerance") && html.contains("value=\"test/editor\""));

    let v1 = multichoice(
        "stage-v1",
        "The parcel was delivered yesterday. *I don't want it any more.* Intent?",
        "intent:return_refund, difficulty:easy",
    );
    let id = save_question(&instructor, "/instruct/questions/new", &refs(&v1)).await;
    let stored = store::get(&app.db, id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.qtype.as_str()), (1, "multichoice"));
    assert_eq!(
        stored.body.tags,
        vec!["intent:return_refund", "difficulty:easy"]
    );
    let (_, page) = instructor
        .get_text(&format!("/instruct/questions/{id}"))
        .await;
    assert!(page.contains("intent:return_refund") && page.contains("/edit"));

    // A trainee answers version 1.
    let quiz_id = quiz_with(&instructor, "editor-quiz", &[("question", &id.to_string())]).await;
    let attempt = start(&trainee, quiz_id).await;
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[("q1", "0"), ("action", "finish")],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Saving the same form again changes nothing.
    let res = instructor
        .post(&format!("/instruct/questions/{id}/edit"), &refs(&v1))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(store::versions(&app.db, id).await.unwrap().len(), 1);

    // The fix: new text, a third choice, a new mark. Version 2; the attempt keeps version 1.
    let mut v2 = multichoice(
        "stage-v1",
        "Delivered yesterday: \"I don't want it any more.\" Which intent?",
        "intent:return_refund, difficulty:medium",
    );
    v2.retain(|(k, _)| k != "a2_text" && k != "default_mark");
    v2.push(("a2_text".into(), "where_is_my_order".into()));
    v2.push(("default_mark".into(), "2".into()));
    // A tampered type is ignored: a stored question keeps its type.
    v2.retain(|(k, _)| k != "qtype");
    v2.push(("qtype".into(), "essay".into()));
    save_question(
        &instructor,
        &format!("/instruct/questions/{id}/edit"),
        &refs(&v2),
    )
    .await;
    let stored = store::get(&app.db, id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.qtype.as_str()), (2, "multichoice"));
    assert_eq!(stored.body.default_mark, Some(2.0));
    let slots = attempts::slots(&app.db, attempt).await.unwrap();
    assert_eq!(
        slots[0].question_version, 1,
        "the attempt keeps the version it answered"
    );
    assert!(
        slots[0]
            .question
            .text
            .contains("*I don't want it any more.*")
    );
    let (_, review) = trainee
        .get_text(&format!("/attempts/{attempt}/review"))
        .await;
    assert!(review.contains("The parcel was delivered yesterday."));
    assert!(
        !review.contains("Which intent?"),
        "the review shows version 1"
    );
    // A new attempt gets version 2 and its mark of 2.
    let res = instructor
        .post(
            &format!("/instruct/quizzes/{quiz_id}"),
            &[
                ("title", "editor-quiz"),
                ("published", "on"),
                ("grading", "highest"),
                ("pass_percent", "50"),
                ("review", "after_submission"),
                ("question", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (other, _) = app.signed_in("tom@edit.example", &[Role::Trainee]).await;
    let attempt2 = start(&other, quiz_id).await;
    let slots = attempts::slots(&app.db, attempt2).await.unwrap();
    assert_eq!((slots[0].question_version, slots[0].max_mark), (2, 2.0));

    // Rejected forms come back with the message and what was typed (422), nothing stored.
    let mut bad = multichoice("stage-bad", "No right answer", "");
    bad.retain(|(k, _)| k != "a0_grade");
    bad.push(("a0_grade".into(), "0.5".into()));
    let res = instructor
        .post("/instruct/questions/new", &refs(&bad))
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("At least one answer must be worth 100%") && body.contains("stage-bad"));
    assert!(
        store::id_by_name(&app.db, "test/editor", "stage-bad")
            .await
            .unwrap()
            .is_none()
    );
    // Another question's name in the same category is refused.
    let taken = multichoice("stage-v1", "Same name", "");
    let res = instructor
        .post("/instruct/questions/new", &refs(&taken))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already has that name"));
    // A tampered id is a 404, and trainees cannot reach the editor.
    let res = instructor.get("/instruct/questions/999999/edit").await;
    assert_eq!(res.status(), 404);
    let res = trainee.get("/instruct/questions/new").await;
    assert_eq!(res.status(), 403);
    let res = trainee
        .post(&format!("/instruct/questions/{id}/edit"), &refs(&v1))
        .await;
    assert_eq!(res.status(), 403);

    // The quiz speaks Chinese to Chinese readers, English to the others.
    let (_, en) = trainee.get_text("/quizzes").await;
    assert!(en.contains(">editor-quiz<") && !en.contains(">测验<"));
    let res = trainee.post("/lang", &[("locale", "zh-CN")]).await;
    assert_eq!(res.status(), 303);
    let (_, zh) = trainee.get_text("/quizzes").await;
    assert!(zh.contains(">测验<"), "{zh}");
}

#[tokio::test]
async fn classify_questions_score_intent_and_emotion_separately_and_survive_gift() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app
        .signed_in("cy@classify.example", &[Role::Instructor])
        .await;
    let (trainee, _) = app
        .signed_in("tao@classify.example", &[Role::Trainee])
        .await;
    let fields = [
        ("qtype", "classify"),
        ("category", "test/classify"),
        ("name", "cls-pt-missing"),
        ("format", "markdown"),
        ("text", "What does this buyer want, and how do they feel?"),
        ("default_mark", "1"),
        ("tags", "intent:missing_part, lang:pt-br, difficulty:hard"),
        ("lang", "pt-BR"),
        ("platform", "mercado_libre"),
        (
            "turns",
            "buyer: Chegou a cadeira hoje.\r\nseller: Que bom! Qualquer coisa estamos aqui.",
        ),
        (
            "message",
            "Abri a caixa e não veio o kit de parafusos. Como monto sem isso??",
        ),
        ("intent", "missing_part"),
        ("emotion", "frustrated"),
        (
            "general_feedback",
            "Something that should be in the box is not: missing_part, not damaged.",
        ),
    ];
    // An intent the taxonomy does not have is refused.
    let mut unknown = fields.to_vec();
    unknown.retain(|(k, _)| *k != "intent");
    unknown.push(("intent", "missing_parts"));
    let res = instructor.post("/instruct/questions/new", &unknown).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("not in the taxonomy"));

    let id = save_question(&instructor, "/instruct/questions/new", &fields).await;
    let (_, preview) = instructor
        .get_text(&format!("/instruct/questions/{id}"))
        .await;
    assert!(
        preview.contains("Como monto sem isso??") && preview.contains("Chegou a cadeira hoje.")
    );

    let quiz_id = quiz_with(
        &instructor,
        "classify-quiz",
        &[("question", &id.to_string())],
    )
    .await;
    let attempt = start(&trainee, quiz_id).await;
    let (_, page) = trainee.get_text(&format!("/attempts/{attempt}")).await;
    assert!(page.contains("name=\"q1_intent\"") && page.contains("name=\"q1_emotion\""));
    assert!(page.contains("Que bom! Qualquer coisa estamos aqui."));
    // Autosave: intent right, emotion wrong; a tampered value is dropped, not stored.
    let res = trainee
        .post(
            &format!("/attempts/{attempt}/slots/1"),
            &[("q1_intent", "missing_part"), ("q1_emotion", "<script>")],
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = trainee
        .post(
            &format!("/attempts/{attempt}/slots/1"),
            &[("q1_intent", "missing_part"), ("q1_emotion", "angry")],
        )
        .await;
    assert_eq!(res.status(), 204);
    // The page's form submits every field with Finish, as a browser does.
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[
                ("q1_intent", "missing_part"),
                ("q1_emotion", "angry"),
                ("action", "finish"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let current = attempts::get_current(&app.db, attempt, i64::MAX / 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        current.marks,
        Some(0.5),
        "the intent earns half, the emotion nothing"
    );
    let (_, review) = trainee
        .get_text(&format!("/attempts/{attempt}/review"))
        .await;
    assert!(review.contains("pick-right") && review.contains("pick-wrong"));

    // Export then import: the same question, tags and classify task included, unchanged.
    let (status, exported) = instructor
        .get_text("/instruct/questions/export.gift?category=test/classify")
        .await;
    assert_eq!(status, 200);
    assert!(exported.contains("[tag:difficulty:hard]") && exported.contains("// classify: {"));
    let items = gift::parse(&exported).expect("the export parses");
    let stats = store::import_items(&app.db, &items, "re-import", None)
        .await
        .unwrap();
    assert_eq!(
        (stats.unchanged, stats.inserted, stats.new_versions),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn draw_rules_by_tag_pick_only_tagged_questions() {
    let app = TestApp::spawn().await;
    let (instructor, _) = app.signed_in("dr@draw.example", &[Role::Instructor]).await;
    let (trainee, _) = app.signed_in("dt@draw.example", &[Role::Trainee]).await;
    let mut bank = String::from("$CATEGORY: test/draw\n\n");
    for i in 0..6 {
        let difficulty = if i % 2 == 0 { "hard" } else { "easy" };
        bank.push_str(&format!(
            "// [tag:difficulty:{difficulty}]\n::d{i}::Question {i} {{=a ~b}}\n\n"
        ));
    }
    let items = gift::parse(&bank).unwrap();
    store::import_items(&app.db, &items, "test", None)
        .await
        .unwrap();
    let quiz_id = quiz_with(
        &instructor,
        "hard-only",
        &[
            ("draw_category", "test/draw"),
            ("draw_tag", "difficulty:hard"),
            ("draw_count", "3"),
        ],
    )
    .await;
    for _ in 0..3 {
        let attempt = start(&trainee, quiz_id).await;
        let mut names: Vec<String> = attempts::slots(&app.db, attempt)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.question.name)
            .collect();
        names.sort();
        assert_eq!(names, vec!["d0", "d2", "d4"]);
        let res = trainee
            .post(&format!("/attempts/{attempt}"), &[("action", "finish")])
            .await;
        assert_eq!(res.status(), 303);
    }
    // The settings page shows the rule's tag.
    let (_, edit) = instructor
        .get_text(&format!("/instruct/quizzes/{quiz_id}"))
        .await;
    assert!(edit.contains("value=\"difficulty:hard\""));
}
