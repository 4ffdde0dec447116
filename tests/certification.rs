//! Certification end to end: a trainee who meets every requirement gets a certificate anyone can
//! verify; a missing requirement is named; revoke, expiry and re-certification; unknown codes;
//! simultaneous issues; instructor forms; the supervisor's expiring list; the demo certification.

mod common;

use common::{TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::accounts::store::{MemberKind, add_team_member, create_team};
use intentdojo::certification::{self, DefinitionInput, store};
use intentdojo::db::now_ms;
use sqlx::Row;

const DAY: i64 = 86_400_000;

/// A certification: the getting-started course, lab 80% over the last 20 with 60% per intent seen
/// 5+ times, and the given exam quiz (pass mark 70%).
async fn define(app: &TestApp, slug: &str, quiz_id: i64) -> i64 {
    let course = intentdojo::courses::store::course_by_slug(&app.db, "getting-started")
        .await
        .unwrap()
        .expect("the shipped course");
    let input = DefinitionInput {
        slug: slug.into(),
        title_en: format!("Reading test {slug}"),
        title_zh: format!("阅读测试 {slug}"),
        description_en: "Reads **buyers** right.".into(),
        courses: vec![course.id.to_string()],
        lab_window: "20".into(),
        lab_accuracy: "80".into(),
        lab_intent_percent: "60".into(),
        lab_intent_min_items: "5".into(),
        exam_quiz: quiz_id.to_string(),
        exam_pass_percent: "70".into(),
        validity_months: "12".into(),
        ..Default::default()
    };
    let definition = input.parse().unwrap();
    store::create(&app.db, &definition, None)
        .await
        .unwrap()
        .expect("new slug")
}

/// A quiz with the given slug (pass mark 80%, unused: the certification sets its own).
async fn quiz(app: &TestApp, slug: &str) -> i64 {
    let settings = intentdojo::quizzes::quiz::QuizSettings::default();
    intentdojo::quizzes::quiz::create(
        &app.db,
        slug,
        &intentdojo::quizzes::quiz::QuizTexts::english(&format!("Exam {slug}")),
        &settings,
        None,
    )
    .await
    .unwrap()
    .expect("new quiz")
}

/// A finished, graded exam attempt with this grade.
async fn exam_attempt(app: &TestApp, quiz_id: i64, user_id: i64, percent: f64) {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO quiz_attempts (quiz_id, user_id, attempt_no, seed, started_at, submitted_at, state, marks, max_marks, needs_grading)
         VALUES ($1, $2, 1, 1, $3, $3, 'finished', $4, 10.0, 0)",
    )
    .bind(quiz_id)
    .bind(user_id)
    .bind(now)
    .bind(percent / 10.0)
    .execute(&app.db.writer)
    .await
    .unwrap();
}

async fn complete_course(app: &TestApp, user_id: i64, slug: &str) {
    let course = intentdojo::courses::store::course_by_slug(&app.db, slug)
        .await
        .unwrap()
        .unwrap();
    for lesson in intentdojo::courses::store::lessons(&app.db, Some(course.id))
        .await
        .unwrap()
    {
        intentdojo::courses::store::mark_complete(&app.db, user_id, lesson.id, true)
            .await
            .unwrap();
    }
}

/// `n` graded lab answers on `intent`, `right` of them correct, answered after everything before.
async fn lab_answers(app: &TestApp, user_id: i64, intent: &str, n: usize, right: usize) {
    let message: i64 = sqlx::query("SELECT id FROM messages ORDER BY id LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let start = now_ms();
    for i in 0..n {
        let correct = i64::from(i < right);
        sqlx::query(
            "INSERT INTO lab_answers (user_id, message_id, fields, ref_source, ref_intent, intent_correct, correct, millis, answered_at)
             VALUES ($1, $2, 'intent', 'gold', $3, $4, $4, 1500, $5)",
        )
        .bind(user_id)
        .bind(message)
        .bind(intent)
        .bind(correct)
        .bind(start + i as i64)
        .execute(&app.db.writer)
        .await
        .unwrap();
    }
}

/// A trainee who meets every requirement of a certification defined with `quiz_id`.
async fn qualify(app: &TestApp, user_id: i64, quiz_id: i64) {
    complete_course(app, user_id, "getting-started").await;
    lab_answers(app, user_id, "where_is_my_order", 12, 11).await;
    lab_answers(app, user_id, "cancellation", 8, 6).await;
    exam_attempt(app, quiz_id, user_id, 90.0).await;
}

async fn certificates(
    app: &TestApp,
    certification_id: i64,
    user_id: i64,
) -> Vec<store::Certificate> {
    store::certificates_of(&app.db, user_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.certification_id == certification_id)
        .collect()
}

#[tokio::test]
async fn a_trainee_who_meets_every_requirement_gets_a_certificate_that_verifies_publicly() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-a").await;
    let cert = define(&app, "reading-a", quiz_id).await;
    let (trainee, user) = app.signed_in("mei@cert.example", &[Role::Trainee]).await;
    qualify(&app, user, quiz_id).await;

    let (status, html) = trainee.get_text("/certifications").await;
    assert_eq!(status, 200);
    assert!(html.contains("your certificate has been issued"), "{html}");
    let issued = certificates(&app, cert, user).await;
    assert_eq!(issued.len(), 1);
    let code = &issued[0].code;
    assert!(code.len() >= 43, "at least 256 bits, URL-safe: {code}");
    assert!(
        code.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert!(
        html.contains(&format!("/verify/{code}")),
        "the page links to it"
    );
    assert!(html.contains("All requirements met"));

    // Opening the page again issues nothing more.
    let (_, html) = trainee.get_text("/certifications").await;
    assert!(!html.contains("your certificate has been issued"));
    assert_eq!(certificates(&app, cert, user).await.len(), 1);

    // Anyone, signed out, can verify it.
    let visitor = app.client();
    let (status, html) = visitor.get_text(&format!("/verify/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(">mei<"), "holder's display name: {html}");
    assert!(html.contains("Reading test reading-a"));
    assert!(html.contains("status-valid") && html.contains("Valid"));
    let today = intentdojo::web::page::format_date(now_ms());
    assert!(html.contains(&today), "issue date");
    assert!(
        html.contains("data-print"),
        "print button for script-enabled browsers"
    );
    assert!(
        !html.contains("mei@cert.example"),
        "no email on the public page"
    );

    // In Chinese too.
    let res = visitor
        .http
        .get(app.url(&format!("/verify/{code}")))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("有效") && html.contains("阅读测试 reading-a"));
}

#[tokio::test]
async fn a_missing_requirement_means_no_certificate_and_the_page_names_it() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-b").await;
    let cert = define(&app, "reading-b", quiz_id).await;
    let (trainee, user) = app.signed_in("lucas@cert.example", &[Role::Trainee]).await;
    complete_course(&app, user, "getting-started").await;
    // 17 of 20 overall (85%), but cancellation is 3 of 6 = 50% against a 60% minimum.
    lab_answers(&app, user, "where_is_my_order", 14, 14).await;
    lab_answers(&app, user, "cancellation", 6, 3).await;
    exam_attempt(&app, quiz_id, user, 90.0).await;

    let (status, html) = trainee.get_text("/certifications").await;
    assert_eq!(status, 200);
    assert!(certificates(&app, cert, user).await.is_empty());
    assert!(html.contains("1 requirement(s) still missing"), "{html}");
    assert!(
        html.contains("(cancellation): 50% (3 of 6), needs 60%"),
        "the weak intent with its figures: {html}"
    );
    assert!(html.contains("Lab accuracy 85% over your last 20 graded answers; needs 80%"));
    assert!(html.contains("href=\"/lab\""));

    // A trainee with nothing done sees every requirement missing, with where to go.
    let (fresh, _) = app.signed_in("new@cert.example", &[Role::Trainee]).await;
    let (_, html) = fresh.get_text("/certifications").await;
    assert!(html.contains("4 requirement(s) still missing"), "{html}");
    assert!(html.contains("Complete the course “Getting started”"));
    assert!(html.contains("href=\"/courses/getting-started\""));
    assert!(html.contains("Lab: 0 graded answers so far"));
    assert!(html.contains(&format!("href=\"/quizzes/{quiz_id}\"")));
    assert!(html.contains("not passed yet"));

    // The page speaks Chinese too.
    let res = fresh
        .http
        .get(app.url("/certifications"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    fresh
        .post("/lang", &[("locale", "zh-CN"), ("back", "/certifications")])
        .await;
    let (_, html) = fresh.get_text("/certifications").await;
    assert!(
        html.contains("我的认证") && html.contains("完成课程“入门”"),
        "{html}"
    );
}

#[tokio::test]
async fn a_revoked_certificate_verifies_as_revoked_with_the_reason() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-c").await;
    let cert = define(&app, "reading-c", quiz_id).await;
    let user = app.user("ana@cert.example", &[Role::Trainee]).await;
    qualify(&app, user, quiz_id).await;
    let issued = certification::issue_if_met(&app.db, user).await.unwrap();
    assert_eq!(issued.len(), 1);
    let certificate = &issued[0];
    assert_eq!(certificate.certification_id, cert);

    let (admin, _) = app.signed_in("admin@cert.example", &[Role::Admin]).await;
    let (status, html) = admin.get_text("/admin/certificates").await;
    assert_eq!(status, 200);
    assert!(html.contains("ana@cert.example"));
    let path = format!("/admin/certificates/{}/revoke", certificate.id);

    // No reason, a tampered id, an unknown id: clear refusals, nothing changes.
    assert_eq!(admin.post(&path, &[("reason", "  ")]).await.status(), 422);
    let res = admin
        .post(
            "/admin/certificates/1%20OR%201=1/revoke",
            &[("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = admin
        .post("/admin/certificates/99999999/revoke", &[("reason", "x")])
        .await;
    assert_eq!(res.status(), 404);
    let long = "x".repeat(501);
    assert_eq!(admin.post(&path, &[("reason", &long)]).await.status(), 422);

    let res = admin
        .post(&path, &[("reason", "Exam taken by someone else")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/certificates");
    let res = admin.post(&path, &[("reason", "second reason xyz")]).await;
    assert_eq!(res.status(), 409, "revoking twice is a conflict");
    let html = res.text().await.unwrap();
    assert!(html.contains("already revoked"));

    let (status, html) = app
        .client()
        .get_text(&format!("/verify/{}", certificate.code))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("status-revoked") && html.contains("Revoked"));
    assert!(html.contains("Exam taken by someone else"));
    assert!(!html.contains("second reason xyz"));

    // A revoked certificate is not replaced automatically before it would have expired.
    assert!(
        certification::issue_if_met(&app.db, user)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(certificates(&app, cert, user).await.len(), 1);
}

#[tokio::test]
async fn an_expired_certificate_verifies_as_expired_and_the_trainee_can_recertify() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-d").await;
    let cert = define(&app, "reading-d", quiz_id).await;
    let (trainee, user) = app.signed_in("kim@cert.example", &[Role::Trainee]).await;
    qualify(&app, user, quiz_id).await;
    let old = certification::issue_if_met(&app.db, user).await.unwrap();
    assert_eq!(old.len(), 1);
    let old = &old[0];
    // Issued 13 months ago, valid for 12.
    let issued_at = now_ms() - 400 * DAY;
    sqlx::query("UPDATE certificates SET issued_at = $1, expires_at = $2 WHERE id = $3")
        .bind(issued_at)
        .bind(issued_at + 365 * DAY)
        .bind(old.id)
        .execute(&app.db.writer)
        .await
        .unwrap();

    let (status, html) = app
        .client()
        .get_text(&format!("/verify/{}", old.code))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("status-expired") && html.contains("has expired"),
        "{html}"
    );

    // Still meeting the requirements, the trainee gets a new certificate with a new code.
    let (_, html) = trainee.get_text("/certifications").await;
    assert!(html.contains("your certificate has been issued"));
    let all = certificates(&app, cert, user).await;
    assert_eq!(all.len(), 2);
    let new = all.iter().find(|c| c.id != old.id).unwrap();
    assert_ne!(new.code, old.code);
    let (_, html) = app
        .client()
        .get_text(&format!("/verify/{}", new.code))
        .await;
    assert!(html.contains("status-valid"));
    let (_, html) = app
        .client()
        .get_text(&format!("/verify/{}", old.code))
        .await;
    assert!(
        html.contains("status-expired"),
        "the old code keeps its history"
    );
}

#[tokio::test]
async fn an_unknown_code_is_a_404_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for code in ["nope", "' OR '1'='1", &"A".repeat(300)] {
        let (status, html) = client
            .get_text(&format!("/verify/{}", urlencode(code)))
            .await;
        assert_eq!(status, 404, "{code}");
        assert!(
            html.contains("No certificate has this verification code"),
            "{html}"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn simultaneous_issues_make_one_certificate() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-e").await;
    let cert = define(&app, "reading-e", quiz_id).await;
    let (trainee, user) = app.signed_in("twin@cert.example", &[Role::Trainee]).await;
    qualify(&app, user, quiz_id).await;

    // The store itself: two inserts racing for the place.
    let now = now_ms();
    let (a, b) = tokio::join!(
        store::issue(&app.db, cert, user, "code-one", now, now + DAY),
        store::issue(&app.db, cert, user, "code-two", now, now + DAY),
    );
    let made = [a.unwrap(), b.unwrap()];
    assert_eq!(made.iter().flatten().count(), 1, "{made:?}");
    sqlx::query("DELETE FROM certificates WHERE user_id = $1")
        .bind(user)
        .execute(&app.db.writer)
        .await
        .unwrap();

    // The whole path, from the library and the page at once.
    let (x, y, p, q) = tokio::join!(
        certification::issue_if_met(&app.db, user),
        certification::issue_if_met(&app.db, user),
        trainee.get("/certifications"),
        trainee.get("/certifications"),
    );
    assert_eq!(p.status(), 200);
    assert_eq!(q.status(), 200);
    let issued = x.unwrap().len() + y.unwrap().len();
    assert!(issued <= 1);
    assert_eq!(certificates(&app, cert, user).await.len(), 1);
}

#[tokio::test]
async fn instructors_define_certifications_and_bad_input_is_refused() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-f").await;
    let course = intentdojo::courses::store::course_by_slug(&app.db, "intent-taxonomy")
        .await
        .unwrap()
        .unwrap();
    let (instructor, _) = app
        .signed_in("ines@cert.example", &[Role::Instructor])
        .await;
    let (status, html) = instructor.get_text("/instruct/certifications/new").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"csrf_token\""));
    assert!(html.contains("Intent taxonomy") && html.contains("Exam exam-f"));

    let course_id = course.id.to_string();
    let quiz = quiz_id.to_string();
    let good = |pass: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("slug", "taxonomy-level".into()),
            ("title_en", "Taxonomy level".into()),
            ("title_zh", "分类体系级别".into()),
            (
                "description_en",
                "<script>alert(1)</script>**Knows** the intents".into(),
            ),
            ("course", course_id.clone()),
            ("lab_window", "50".into()),
            ("lab_accuracy", "85".into()),
            ("lab_intent_percent", "70".into()),
            ("lab_intent_min_items", "5".into()),
            ("exam_quiz", quiz.clone()),
            ("exam_pass_percent", pass.into()),
            ("validity_months", "12".into()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, path: &'static str| {
        let instructor = &instructor;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            instructor.post(path, &pairs).await
        }
    };

    let res = post(good("150"), "/instruct/certifications").await;
    assert_eq!(res.status(), 422, "a pass mark of 150%");
    let html = res.text().await.unwrap();
    assert!(html.contains("Percentages must be numbers from 0 to 100"));
    assert!(
        html.contains("value=\"Taxonomy level\""),
        "the form keeps what was typed"
    );

    let mut bad = good("");
    bad.push(("course", "99999".into()));
    let res = post(bad, "/instruct/certifications").await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose required courses")
    );

    let mut bad = good("");
    bad.retain(|(k, _)| *k != "exam_quiz");
    bad.push(("exam_quiz", "99999".into()));
    assert_eq!(post(bad, "/instruct/certifications").await.status(), 422);

    let mut bad = good("");
    bad.retain(|(k, _)| *k != "validity_months");
    bad.push(("validity_months", "twelve".into()));
    assert_eq!(post(bad, "/instruct/certifications").await.status(), 422);

    let res = post(good(""), "/instruct/certifications").await;
    assert_eq!(res.status(), 303);
    let res = post(good(""), "/instruct/certifications").await;
    assert_eq!(res.status(), 409, "the identifier is taken");

    let definition = store::by_slug(&app.db, "taxonomy-level")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(definition.courses, vec![course.id]);
    assert_eq!(definition.exam.as_ref().unwrap().pass_percent, None);
    assert!(
        !definition
            .description_html(intentdojo::web::i18n::Locale::En)
            .contains("<script")
    );

    let (status, html) = instructor.get_text("/instruct/certifications").await;
    assert_eq!(status, 200);
    assert!(html.contains("Taxonomy level"));
    assert!(
        html.contains("85% over the last 50 graded answers"),
        "{html}"
    );
    assert!(
        html.contains("pass mark 80%"),
        "the quiz's own mark: {html}"
    );

    let edit = format!("/instruct/certifications/{}", definition.id);
    let (status, html) = instructor.get_text(&edit).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"85\""));
    let mut changed = good("75");
    changed.retain(|(k, _)| *k != "lab_window");
    changed.push(("lab_window", "".into()));
    let fields: Vec<(&str, &str)> = changed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(instructor.post(&edit, &fields).await.status(), 303);
    let definition = store::get(&app.db, definition.id).await.unwrap().unwrap();
    assert!(
        definition.lab.is_none(),
        "an empty window removes the lab requirement"
    );
    assert_eq!(definition.exam.unwrap().pass_percent.unwrap().value(), 75.0);

    for path in [
        "/instruct/certifications/abc",
        "/instruct/certifications/99999",
    ] {
        assert_eq!(instructor.get(path).await.status(), 404, "{path}");
        assert_eq!(instructor.post(path, &fields).await.status(), 404, "{path}");
    }
    let mut bad = good("");
    bad.push(("course", "1 OR 1=1".into()));
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        instructor.post(&edit, &pairs).await.status(),
        422,
        "a tampered course id"
    );
}

#[tokio::test]
async fn supervisors_see_their_team_certificates_expiring_within_30_days() {
    let app = TestApp::spawn().await;
    let quiz_id = quiz(&app, "exam-g").await;
    let cert = define(&app, "reading-g", quiz_id).await;
    let team = create_team(&app.db, "Team Cert").await.unwrap();
    let (supervisor, sup) = app
        .signed_in("boss@cert.example", &[Role::Supervisor])
        .await;
    let (trainee, member) = app.signed_in("member@cert.example", &[Role::Trainee]).await;
    let stranger = app.user("stranger@cert.example", &[Role::Trainee]).await;
    add_team_member(&app.db, team, sup, MemberKind::Supervisor)
        .await
        .unwrap();
    add_team_member(&app.db, team, member, MemberKind::Member)
        .await
        .unwrap();
    let now = now_ms();
    for (user, code) in [(member, "member-code"), (stranger, "stranger-code")] {
        store::issue(&app.db, cert, user, code, now - 355 * DAY, now + 10 * DAY)
            .await
            .unwrap()
            .unwrap();
    }
    let (status, html) = supervisor.get_text("/team/certifications").await;
    assert_eq!(status, 200);
    assert!(html.contains("Expiring within 30 days: 1"), "{html}");
    assert!(html.contains(">member<"));
    assert!(!html.contains("stranger"), "only the supervisor's own team");
    let (_, home) = supervisor.get_text("/team").await;
    assert!(home.contains("href=\"/team/certifications\""));

    // The holder is told too.
    let (_, html) = trainee.get_text("/certifications").await;
    assert!(html.contains("expires soon"), "{html}");
}

#[tokio::test]
async fn the_demo_certification_is_created_once_its_exam_quiz_exists() {
    let app = TestApp::spawn().await;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    const SLUG: &str = "buyer-message-reading-1";
    let exam = intentdojo::quizzes::quiz::by_slug(&app.db, "final-exam")
        .await
        .unwrap();
    if exam.is_none() {
        // Without its exam the certification would be earned without one: not created yet.
        let (created, problems) = certification::load_certifications(&app.db, &content)
            .await
            .unwrap();
        assert_eq!(created, 0);
        assert!(
            problems.iter().any(|p| p.contains("final-exam")),
            "{problems:?}"
        );
        assert!(store::by_slug(&app.db, SLUG).await.unwrap().is_none());
        quiz(&app, "final-exam").await;
    }
    let (created, problems) = certification::load_certifications(&app.db, &content)
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(created <= 1);
    let demo = store::by_slug(&app.db, SLUG)
        .await
        .unwrap()
        .expect("created");
    assert_eq!(demo.title_en, "Buyer-message reading, level 1");
    assert_eq!(demo.courses.len(), 4);
    let lab = demo.lab.as_ref().unwrap();
    assert_eq!(
        (lab.window, lab.accuracy.value(), lab.intent_percent.value()),
        (100, 80.0, 60.0)
    );
    assert_eq!(demo.validity_months, 12);
    let final_exam = intentdojo::quizzes::quiz::by_slug(&app.db, "final-exam")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(demo.exam.as_ref().unwrap().quiz_id, final_exam.id);
    // Loading again changes nothing.
    let (created, _) = certification::load_certifications(&app.db, &content)
        .await
        .unwrap();
    assert_eq!(created, 0);
}

/// The whole path over HTTP: with the course done and the lab requirement met, a trainee takes
/// the exam quiz in the browser; submitting a passing attempt issues the certificate at once
/// (before any visit to /certifications), and its code verifies publicly.
#[tokio::test]
async fn passing_the_exam_in_the_browser_issues_the_certificate_at_once() {
    let app = TestApp::spawn().await;
    let items = intentdojo::quizzes::gift::parse(
        "$CATEGORY: test/exam\n\n::e1::Which intent is \"Where is my parcel?\" {=where_is_my_order ~return}\n\n::e2::Threats to report always go to a human. {T}\n",
    )
    .unwrap();
    intentdojo::quizzes::store::import_items(&app.db, &items, "test", None)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for name in ["e1", "e2"] {
        ids.push(
            intentdojo::quizzes::store::id_by_name(&app.db, "test/exam", name)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let settings = intentdojo::quizzes::quiz::QuizSettings {
        published: true,
        questions: ids,
        shuffle_choices: false,
        ..Default::default()
    };
    let quiz_id = intentdojo::quizzes::quiz::create(
        &app.db,
        "exam-http",
        &intentdojo::quizzes::quiz::QuizTexts::english("Exam"),
        &settings,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    let cert_id = define(&app, "browser", quiz_id).await;
    let (trainee, user) = app.signed_in("pat@cert.example", &[Role::Trainee]).await;
    complete_course(&app, user, "getting-started").await;
    lab_answers(&app, user, "where_is_my_order", 12, 11).await;
    lab_answers(&app, user, "cancellation", 8, 6).await;
    assert!(certificates(&app, cert_id, user).await.is_empty());

    let res = trainee
        .post(&format!("/quizzes/{quiz_id}/start"), &[])
        .await;
    let attempt = location(&res);
    assert!(attempt.starts_with("/attempts/"), "{attempt}");
    let res = trainee
        .post(
            &attempt,
            &[("q1", "0"), ("q2", "true"), ("action", "finish")],
        )
        .await;
    assert_eq!(location(&res), format!("{attempt}/review"));
    let issued = certificates(&app, cert_id, user).await;
    assert_eq!(issued.len(), 1, "issued on submission");
    let anonymous = app.client();
    let (status, page) = anonymous
        .get_text(&format!("/verify/{}", issued[0].code))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("pat"), "holder shown");
}
