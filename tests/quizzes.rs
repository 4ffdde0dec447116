//! Quizzes end to end over HTTP, on SQLite and (with INTENTDOJO_TEST_DATABASE=postgres) PostgreSQL:
//! an instructor builds a quiz in the browser, trainees take it (autosave, resume, the time limit,
//! double submission, review), essays are graded, a fixed question is regraded, and item analysis
//! shows figures computed by hand.

mod common;

use common::{Client, TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::quizzes::{attempts, gift, quiz, store};

/// A small bank: three one-mark questions, an essay, and a stratified pair of categories.
const BANK: &str = r#"
$CATEGORY: test/basics

::q-return::Which intent is "I want to send it back"? {=return ~cancellation ~where_is_my_order}

::q-tf::An unopened parcel can still be a not-as-described claim. {F}

::q-short::Type the intent key for "where is my parcel?" {=where_is_my_order =wismo}


$CATEGORY: test/essays

::q-essay::Write a two-line reply to a late-delivery complaint. {}


$CATEGORY: test/strata/intent

::s-i1::Intent one {=a ~b}

::s-i2::Intent two {=a ~b}

::s-i3::Intent three {=a ~b}

$CATEGORY: test/strata/emotion

::s-e1::Emotion one {=a ~b}

::s-e2::Emotion two {=a ~b}

::s-e3::Emotion three {=a ~b}

"#;

async fn import_bank(app: &TestApp, text: &str) {
    let items = gift::parse(text).expect("test bank parses");
    store::import_items(&app.db, &items, "test", None)
        .await
        .expect("bank stored");
}

async fn question_id(app: &TestApp, category: &str, name: &str) -> i64 {
    store::id_by_name(&app.db, category, name)
        .await
        .unwrap()
        .expect("question exists")
}

/// Creates a quiz through the instructor pages and returns its id.
async fn build_quiz(instructor: &Client, slug: &str, settings: &[(&str, &str)]) -> i64 {
    let res = instructor
        .post("/instruct/quizzes", &[("slug", slug), ("title", slug)])
        .await;
    assert_eq!(res.status(), 303, "quiz created");
    let edit = location(&res);
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    let mut fields: Vec<(&str, &str)> = vec![
        ("title", slug),
        ("intro", "A **test** quiz."),
        ("published", "on"),
        ("grading", "highest"),
        ("pass_percent", "60"),
        ("review", "after_submission"),
    ];
    // A setting given replaces the default; repeated settings (questions, draw rules) all stay.
    fields.retain(|(name, _)| !settings.iter().any(|(k, _)| k == name));
    fields.extend_from_slice(settings);
    let res = instructor.post(&edit, &fields).await;
    assert_eq!(res.status(), 303, "settings saved");
    id
}

/// Starts (or resumes) an attempt and returns its id.
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

async fn slot_questions(app: &TestApp, attempt_id: i64) -> Vec<(i64, String)> {
    attempts::slots(&app.db, attempt_id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.slot, s.question.name))
        .collect()
}

#[tokio::test]
async fn a_trainee_takes_a_quiz_with_autosave_resume_and_one_submission() {
    let app = TestApp::spawn().await;
    import_bank(&app, BANK).await;
    let (instructor, _) = app
        .signed_in("ines@quiz.example", &[Role::Instructor])
        .await;
    let ids = [
        question_id(&app, "test/basics", "q-return").await,
        question_id(&app, "test/basics", "q-tf").await,
        question_id(&app, "test/basics", "q-short").await,
    ];
    let (a, b, c) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string());
    let quiz_id = build_quiz(
        &instructor,
        "basics",
        &[("question", &a), ("question", &b), ("question", &c)],
    )
    .await;
    // The settings form keeps repeated fields: all three questions are in.
    let stored = quiz::get(&app.db, quiz_id).await.unwrap().unwrap();
    assert_eq!(stored.settings.questions, ids.to_vec());

    let (trainee, trainee_id) = app.signed_in("tom@quiz.example", &[Role::Trainee]).await;
    let (_, list) = trainee.get_text("/quizzes").await;
    assert!(list.contains("basics"), "published quiz listed");
    let attempt = start(&trainee, quiz_id).await;
    let (status, page) = trainee.get_text(&format!("/attempts/{attempt}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("I want to send it back"));

    // Autosave one answer, leave, come back: the same attempt with the answer checked.
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/1"), &[("q1", "0")])
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        start(&trainee, quiz_id).await,
        attempt,
        "resumes, no second attempt"
    );
    let (_, page) = trainee.get_text(&format!("/attempts/{attempt}")).await;
    assert!(
        page.contains(r#"name="q1" value="0" checked"#),
        "the autosaved answer is shown again"
    );
    // A tampered slot or another trainee's attempt is not found.
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/99"), &[("q99", "0")])
        .await;
    assert_eq!(res.status(), 404);
    let (other, _) = app.signed_in("eve@quiz.example", &[Role::Trainee]).await;
    assert_eq!(
        other.get(&format!("/attempts/{attempt}")).await.status(),
        404
    );
    assert_eq!(
        other
            .get(&format!("/attempts/{attempt}/review"))
            .await
            .status(),
        404
    );
    let res = other
        .post(&format!("/attempts/{attempt}/slots/1"), &[("q1", "1")])
        .await;
    assert_eq!(res.status(), 404);

    // Submit with the rest of the form; the short answer ignores case and spaces.
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[
                ("q1", "0"),
                ("q2", "true"),
                ("q3", "  Where_Is_My_Order "),
                ("action", "finish"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/attempts/{attempt}/review"));
    // A second tab submitting again changes nothing.
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[("q2", "false"), ("action", "finish")],
        )
        .await;
    assert_eq!(location(&res), format!("/attempts/{attempt}/review"));
    let stored = attempts::get(&app.db, attempt).await.unwrap().unwrap();
    assert!(stored.finished);
    assert_eq!(
        stored.marks,
        Some(2.0),
        "q2 was wrong (the answer is false)"
    );
    // Saving into a submitted attempt is refused.
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/2"), &[("q2", "false")])
        .await;
    assert_eq!(res.status(), 409);
    let (status, review) = trainee
        .get_text(&format!("/attempts/{attempt}/review"))
        .await;
    assert_eq!(status, 200);
    assert!(review.contains("66.67%"), "grade shown after submission");
    assert!(review.contains("The correct answer is"));
    let all = attempts::of_user(&app.db, quiz_id, trainee_id)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "exactly one attempt");

    // The instructor's results and CSV.
    let (_, results) = instructor
        .get_text(&format!("/instruct/quizzes/{quiz_id}/results"))
        .await;
    assert!(results.contains("tom") && results.contains("66.67%"));
    let csv = instructor
        .get(&format!("/instruct/quizzes/{quiz_id}/results.csv"))
        .await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("trainee,email,attempt,state"));
    assert!(csv.contains("tom,tom@quiz.example,1,finished"));
    assert!(csv.contains(",66.67,66.67,true"));
}

#[tokio::test]
async fn an_overdue_attempt_is_submitted_with_what_was_saved() {
    let app = TestApp::spawn().await;
    import_bank(&app, BANK).await;
    let (instructor, _) = app
        .signed_in("ines@late.example", &[Role::Instructor])
        .await;
    let a = question_id(&app, "test/basics", "q-return")
        .await
        .to_string();
    let b = question_id(&app, "test/basics", "q-tf").await.to_string();
    let quiz_id = build_quiz(
        &instructor,
        "timed",
        &[
            ("question", &a),
            ("question", &b),
            ("time_limit_minutes", "10"),
        ],
    )
    .await;
    let (trainee, _) = app.signed_in("tia@late.example", &[Role::Trainee]).await;
    let attempt = start(&trainee, quiz_id).await;
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/1"), &[("q1", "0")])
        .await;
    assert_eq!(res.status(), 204);
    // Move the deadline into the past, as if the trainee had walked away.
    let deadline = intentdojo::db::now_ms() - 60_000;
    sqlx::query("UPDATE quiz_attempts SET deadline_at = $1 WHERE id = $2")
        .bind(deadline)
        .bind(attempt)
        .execute(&app.db.writer)
        .await
        .unwrap();
    // A late save is refused and nothing is changed.
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/2"), &[("q2", "false")])
        .await;
    assert_eq!(res.status(), 409);
    // Coming back lands on the review: submitted at the deadline with the saved answer.
    let res = trainee.get(&format!("/attempts/{attempt}")).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}/review"));
    let stored = attempts::get(&app.db, attempt).await.unwrap().unwrap();
    assert!(stored.finished);
    assert_eq!(stored.submitted_at, Some(deadline));
    assert_eq!(stored.marks, Some(1.0));
    let slots = attempts::slots(&app.db, attempt).await.unwrap();
    assert!(
        slots[1].response.is_none(),
        "the late answer was not stored"
    );

    // The server's sweep submits overdue attempts no one looks at.
    let (other, _) = app.signed_in("tao@late.example", &[Role::Trainee]).await;
    let second = start(&other, quiz_id).await;
    sqlx::query("UPDATE quiz_attempts SET deadline_at = $1 WHERE id = $2")
        .bind(deadline)
        .bind(second)
        .execute(&app.db.writer)
        .await
        .unwrap();
    let swept = attempts::finish_overdue(&app.db, intentdojo::db::now_ms())
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert!(
        attempts::get(&app.db, second)
            .await
            .unwrap()
            .unwrap()
            .finished
    );
}

#[tokio::test]
async fn random_draws_are_stratified_and_attempts_are_limited() {
    let app = TestApp::spawn().await;
    import_bank(&app, BANK).await;
    let (instructor, _) = app
        .signed_in("ines@draw.example", &[Role::Instructor])
        .await;
    let quiz_id = build_quiz(
        &instructor,
        "strata",
        &[
            ("draw_category", "test/strata/intent"),
            ("draw_count", "2"),
            ("draw_category", "test/strata/emotion"),
            ("draw_count", "2"),
            ("max_attempts", "2"),
        ],
    )
    .await;
    let (trainee, _) = app.signed_in("sam@draw.example", &[Role::Trainee]).await;
    for round in 0..2 {
        let attempt = start(&trainee, quiz_id).await;
        let names: Vec<String> = slot_questions(&app, attempt)
            .await
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names.len(), 4, "round {round}: {names:?}");
        assert!(names[..2].iter().all(|n| n.starts_with("s-i")), "{names:?}");
        assert!(names[2..].iter().all(|n| n.starts_with("s-e")), "{names:?}");
        let res = trainee
            .post(&format!("/attempts/{attempt}"), &[("action", "finish")])
            .await;
        assert_eq!(res.status(), 303);
    }
    let res = trainee
        .post(&format!("/quizzes/{quiz_id}/start"), &[])
        .await;
    assert_eq!(res.status(), 409, "no third attempt");
    // A draft quiz does not exist for trainees.
    let draft = quiz::create(
        &app.db,
        "draft",
        &quiz::QuizTexts::english("Draft"),
        &quiz::QuizSettings::default(),
        None,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        trainee.get(&format!("/quizzes/{draft}")).await.status(),
        404
    );
    // A settings form with a bad pass mark is refused with the reason.
    let res = instructor
        .post(
            &format!("/instruct/quizzes/{quiz_id}"),
            &[
                ("title", "strata"),
                ("grading", "highest"),
                ("review", "after_submission"),
                ("pass_percent", "150"),
                ("draw_category", "test/strata/intent"),
                ("draw_count", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("between 0 and 100"));
}

#[tokio::test]
async fn essays_wait_for_an_instructor_and_a_fixed_question_is_regraded() {
    let app = TestApp::spawn().await;
    import_bank(&app, BANK).await;
    let (instructor, _) = app
        .signed_in("ines@essay.example", &[Role::Instructor])
        .await;
    let tf = question_id(&app, "test/basics", "q-tf").await.to_string();
    let essay = question_id(&app, "test/essays", "q-essay")
        .await
        .to_string();
    let quiz_id = build_quiz(
        &instructor,
        "written",
        &[("question", &tf), ("question", &essay)],
    )
    .await;
    let (trainee, trainee_id) = app.signed_in("uma@essay.example", &[Role::Trainee]).await;
    let attempt = start(&trainee, quiz_id).await;
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[
                ("q1", "true"),
                ("q2", "Sorry for the wait. The parcel left the hub today; I will update you by 18:00."),
                ("action", "finish"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let stored = attempts::get(&app.db, attempt).await.unwrap().unwrap();
    assert!(stored.needs_grading && stored.percent().is_none());
    let quiz = quiz::get(&app.db, quiz_id).await.unwrap().unwrap();
    assert_eq!(
        attempts::quiz_grade(&app.db, &quiz, trainee_id)
            .await
            .unwrap(),
        None
    );

    let (_, queue) = instructor.get_text("/instruct/grading").await;
    assert!(queue.contains("I will update you by 18:00"));
    let res = instructor
        .post(
            &format!("/instruct/grading/{attempt}/2"),
            &[("mark", "2"), ("comment", "too much")],
        )
        .await;
    assert_eq!(res.status(), 422, "a mark above the question's marks");
    let res = instructor
        .post(
            &format!("/instruct/grading/{attempt}/2"),
            &[
                ("mark", "0.5"),
                ("comment", "Good fact and time; no close."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let stored = attempts::get(&app.db, attempt).await.unwrap().unwrap();
    assert!(!stored.needs_grading);
    assert_eq!(
        stored.percent(),
        Some(25.0),
        "tf wrong (0) + essay 0.5 of 2 marks"
    );
    let (_, review) = trainee
        .get_text(&format!("/attempts/{attempt}/review"))
        .await;
    assert!(review.contains("Good fact and time; no close."));

    // The key of the true/false question was wrong: fix it (a new version) and regrade.
    import_bank(
        &app,
        "$CATEGORY: test/basics\n\n::q-tf::An unopened parcel can still be a not-as-described claim. {T}\n",
    )
    .await;
    let res = instructor
        .post(&format!("/instruct/quizzes/{quiz_id}/regrade"), &[])
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("1 attempt(s) rescored."), "{page}");
    assert!(page.contains("1 grade(s) changed."));
    let stored = attempts::get(&app.db, attempt).await.unwrap().unwrap();
    assert_eq!(
        stored.percent(),
        Some(75.0),
        "manual grade kept, tf now right"
    );
    let slots = attempts::slots(&app.db, attempt).await.unwrap();
    assert_eq!(slots[0].question_version, 2);
}

/// Four trainees, three one-mark questions, marks chosen so the figures can be checked by hand:
///
/// | trainee | Q1 | Q2 | Q3 | total |
/// | A       | 1  | 1  | 1  | 3     |
/// | B       | 1  | 1  | 0  | 2     |
/// | C       | 1  | 0  | 0  | 1     |
/// | D       | 0  | 0  | 0  | 0     |
///
/// Q1: facility 3/4 = 75%. Marks x = (1,1,1,0), sample SD 0.5 = 50% of the mark. Rest of the test
/// y = total − x = (2,1,0,0): mean 0.75, sample variance 2.75/3; covariance (x, y) = 0.75/3.
/// Discrimination = cov / (sd_x · sd_y) = 0.25 / (0.5 · 0.957427) = 52.22%.
/// Q3: facility 25%; x = (1,0,0,0), y = (2,2,1,0): the same arithmetic gives 52.22% as well.
/// Q2: facility 50%, x = (1,1,0,0), y = (2,1,1,0): cov = 1/3, sd_x = 0.57735, sd_y = 0.816497,
/// discrimination = 70.71%.
#[tokio::test]
async fn item_analysis_matches_a_hand_computed_example() {
    let app = TestApp::spawn().await;
    import_bank(
        &app,
        "$CATEGORY: test/analysis\n\n::a1::One {=right ~wrong}\n\n::a2::Two {=right ~wrong}\n\n::a3::Three {=right ~wrong}\n",
    )
    .await;
    let (instructor, _) = app
        .signed_in("ines@stats.example", &[Role::Instructor])
        .await;
    let ids: Vec<String> = [
        question_id(&app, "test/analysis", "a1").await,
        question_id(&app, "test/analysis", "a2").await,
        question_id(&app, "test/analysis", "a3").await,
    ]
    .iter()
    .map(|i| i.to_string())
    .collect();
    let quiz_id = build_quiz(
        &instructor,
        "stats",
        &[
            ("question", &ids[0]),
            ("question", &ids[1]),
            ("question", &ids[2]),
        ],
    )
    .await;
    // Answer index 0 is "right", 1 is "wrong" (stored order, whatever the shuffle shows).
    let answers = [
        ["0", "0", "0"],
        ["0", "0", "1"],
        ["0", "1", "1"],
        ["1", "1", "1"],
    ];
    for (n, marks) in answers.iter().enumerate() {
        let (trainee, _) = app
            .signed_in(&format!("t{n}@stats.example"), &[Role::Trainee])
            .await;
        let attempt = start(&trainee, quiz_id).await;
        let res = trainee
            .post(
                &format!("/attempts/{attempt}"),
                &[
                    ("q1", marks[0]),
                    ("q2", marks[1]),
                    ("q3", marks[2]),
                    ("action", "finish"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let (status, page) = instructor
        .get_text(&format!("/instruct/quizzes/{quiz_id}/analysis"))
        .await;
    assert_eq!(status, 200);
    let row = |id: &str| -> String {
        let start = page
            .find(&format!(r#"data-question="{id}""#))
            .expect("row of the question");
        page[start..start + page[start..].find("</tr>").unwrap()].to_string()
    };
    let q1 = row(&ids[0]);
    assert!(q1.contains("<td data-facility>75.00%</td>"), "{q1}");
    assert!(q1.contains("<td data-sd>50.00%</td>"), "{q1}");
    assert!(q1.contains("<td data-discrimination>52.22%</td>"), "{q1}");
    let q2 = row(&ids[1]);
    assert!(q2.contains("<td data-facility>50.00%</td>"), "{q2}");
    assert!(q2.contains("<td data-discrimination>70.71%</td>"), "{q2}");
    let q3 = row(&ids[2]);
    assert!(q3.contains("<td data-facility>25.00%</td>"), "{q3}");
    assert!(q3.contains("<td data-discrimination>52.22%</td>"), "{q3}");
    // Choice frequencies: "right" picked 3 times of 4 for Q1.
    assert!(
        q1.contains("right <span class=\"muted small\">3 · 75%</span>"),
        "{q1}"
    );
    assert!(page.contains(r#"data-stat="attempts">4<"#));
    assert!(page.contains(r#"data-stat="mean">1.50<"#));
}

/// Immediate feedback: Check scores one question at once, shows its feedback and locks it.
#[tokio::test]
async fn check_gives_feedback_at_once_and_locks_the_question() {
    let app = TestApp::spawn().await;
    import_bank(
        &app,
        "$CATEGORY: test/check\n\n::c1::Where is my parcel? {=where_is_my_order#Yes: the buyer asks for the parcel. ~return#No: nothing is being sent back.}\n\n::c2::Write a reply. {}\n",
    )
    .await;
    let (instructor, _) = app
        .signed_in("ines@check.example", &[Role::Instructor])
        .await;
    let c1 = question_id(&app, "test/check", "c1").await.to_string();
    let c2 = question_id(&app, "test/check", "c2").await.to_string();
    let quiz_id = build_quiz(
        &instructor,
        "checked",
        &[
            ("question", &c2),
            ("question", &c1),
            ("review", "immediately"),
        ],
    )
    .await;
    let (trainee, _) = app.signed_in("cy@check.example", &[Role::Trainee]).await;
    let attempt = start(&trainee, quiz_id).await;
    // The essay first leaves a NULL fraction behind; the checked answer then stores a number.
    let res = trainee
        .post(
            &format!("/attempts/{attempt}"),
            &[("q1", "Hello"), ("q2", "1"), ("action", "check-2")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let slots = attempts::slots(&app.db, attempt).await.unwrap();
    assert!(slots[1].checked);
    assert_eq!(slots[1].fraction, Some(0.0));
    let (_, page) = trainee.get_text(&format!("/attempts/{attempt}")).await;
    assert!(
        page.contains("nothing is being sent back"),
        "feedback shown"
    );
    let res = trainee
        .post(&format!("/attempts/{attempt}/slots/2"), &[("q2", "0")])
        .await;
    assert_eq!(res.status(), 409, "a checked question is locked");
}
