//! Dashboards over HTTP: the team table's figures (accuracy over 7 / 30 days / all, median time,
//! weakest intent) from known seeded answers, sorting, filtering, CSV exports, the confusion matrix
//! and its cells, drill-downs, the trainee's own progress page, and that a supervisor sees only
//! their own teams (404 for anyone else's trainee).

mod common;

use common::TestApp;
use intentdojo::accounts::Role;
use intentdojo::accounts::store::{MemberKind, add_team_member, create_team};
use intentdojo::lab::{Fields, Labels};
use intentdojo::reports::dashboard::median;
use intentdojo::reports::history::{self, PastLabAnswer};

const DAY: i64 = 86_400_000;

async fn gold_messages(app: &TestApp, intent: &str, n: i64) -> Vec<(i64, String)> {
    sqlx::query_as::<_, (i64, String)>(
        "SELECT id, lang FROM messages WHERE gold_intent = $1 AND split = 'practice' ORDER BY id LIMIT $2",
    )
    .bind(intent)
    .bind(n)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

fn answer(user: i64, message: i64, right: bool, millis: i64, at: i64) -> PastLabAnswer {
    PastLabAnswer {
        user_id: user,
        message_id: message,
        fields: Fields::INTENT,
        given: Labels {
            intent: Some(
                if right {
                    "missing_part"
                } else {
                    "damaged_defective"
                }
                .into(),
            ),
            ..Labels::default()
        },
        reference: Labels {
            intent: Some("missing_part".into()),
            ..Labels::default()
        },
        classifier_intent: Some("missing_part".into()),
        millis,
        answered_at: at,
    }
}

struct World {
    app: TestApp,
    ana: i64,
    bo: i64,
    cy: i64,
    team_b: i64,
    /// Ana's answer times of the last 30 days, for the median.
    ana_recent_millis: Vec<i64>,
}

/// Team A (supervisor sup@, trainees Ana and Bo) and team B (trainee Cy), with known answers:
/// - Ana: 10 answers yesterday (8 right, 1–10 s), 5 wrong 20 days ago (20 s), 2 right 60 days ago;
/// - Bo: 4 right answers two days ago (3 s each);
/// - Cy: 3 wrong answers yesterday.
///
/// Every wrong answer labels a "missing part" message as "damaged / defective".
async fn world() -> World {
    let app = TestApp::spawn().await;
    let now = intentdojo::db::now_ms();
    let sup = app.user("sup@dash.example", &[Role::Supervisor]).await;
    let ana = app.user("ana@dash.example", &[Role::Trainee]).await;
    let bo = app.user("bo@dash.example", &[Role::Trainee]).await;
    let cy = app.user("cy@dash.example", &[Role::Trainee]).await;
    let team_a = create_team(&app.db, "Team A").await.unwrap();
    let team_b = create_team(&app.db, "Team B").await.unwrap();
    add_team_member(&app.db, team_a, sup, MemberKind::Supervisor)
        .await
        .unwrap();
    for (team, user) in [(team_a, ana), (team_a, bo), (team_b, cy)] {
        add_team_member(&app.db, team, user, MemberKind::Member)
            .await
            .unwrap();
    }
    let messages = gold_messages(&app, "missing_part", 20).await;
    assert_eq!(
        messages.len(),
        20,
        "the shipped corpus has missing-part messages"
    );
    let mut answers = Vec::new();
    let mut ana_recent_millis = Vec::new();
    for i in 0..10 {
        let millis = (i + 1) * 1000;
        ana_recent_millis.push(millis);
        answers.push(answer(
            ana,
            messages[i as usize].0,
            i < 8,
            millis,
            now - DAY - i * 1000,
        ));
    }
    for i in 0..5 {
        ana_recent_millis.push(20_000);
        answers.push(answer(
            ana,
            messages[10 + i].0,
            false,
            20_000,
            now - 20 * DAY,
        ));
    }
    for i in 0..2 {
        answers.push(answer(ana, messages[15 + i].0, true, 9_000, now - 60 * DAY));
    }
    for m in &messages[..4] {
        answers.push(answer(bo, m.0, true, 3_000, now - 2 * DAY));
    }
    for m in &messages[..3] {
        answers.push(answer(cy, m.0, false, 4_000, now - DAY));
    }
    history::insert(&app.db, &answers).await.unwrap();
    World {
        app,
        ana,
        bo,
        cy,
        team_b,
        ana_recent_millis,
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name} in {header:?}"))
}

#[tokio::test]
async fn the_team_table_shows_the_seeded_figures_sorted_and_filtered() {
    let w = world().await;
    let (sup, _) = (w.app.client(), ());
    assert_eq!(
        sup.login("sup@dash.example", common::PASSWORD)
            .await
            .status(),
        303
    );

    let (status, html) = sup.get_text("/team/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains(">ana<") && html.contains(">bo<"), "{html}");
    assert!(
        !html.contains(">cy<"),
        "another team's trainee is not listed"
    );
    assert!(html.contains("<svg") && html.contains("<title id=\"team-trend-title\">"));

    let (status, csv) = sup.get_text("/team/dashboard.csv").await;
    assert_eq!(status, 200);
    let rows = csv_rows(&csv);
    let h = &rows[0];
    assert_eq!(rows.len(), 3, "header, ana, bo: {csv}");
    let ana = &rows[1];
    assert_eq!(ana[0], "ana");
    assert_eq!(ana[column(h, "answers")], "17");
    assert_eq!(ana[column(h, "accuracy_7d_percent")], "80.0");
    assert_eq!(ana[column(h, "graded_7d")], "10");
    assert_eq!(ana[column(h, "accuracy_30d_percent")], "53.3");
    assert_eq!(ana[column(h, "graded_30d")], "15");
    assert_eq!(ana[column(h, "accuracy_all_percent")], "58.8");
    assert_eq!(ana[column(h, "graded_all")], "17");
    let median_s = median(&w.ana_recent_millis).unwrap() as f64 / 1000.0;
    assert_eq!(median_s, 8.0);
    assert_eq!(ana[column(h, "median_seconds_30d")], "8.0");
    assert_eq!(ana[column(h, "weakest_intent_30d")], "missing_part");
    assert_eq!(ana[column(h, "weakest_intent_percent")], "53.3");
    assert_eq!(ana[column(h, "certificate_status")], "none");
    let bo = &rows[2];
    assert_eq!(bo[column(h, "accuracy_7d_percent")], "100.0");
    assert_eq!(bo[column(h, "median_seconds_30d")], "3.0");
    assert_eq!(
        bo[column(h, "weakest_intent_30d")],
        "",
        "4 answers judge nothing"
    );

    // Sorting: server-side links work without scripts.
    assert!(html.contains("href=\"/team/dashboard?sort=acc7&#38;dir=asc\""));
    let names = |csv: &str| -> Vec<String> {
        csv_rows(csv)
            .into_iter()
            .skip(1)
            .map(|r| r[0].clone())
            .collect()
    };
    let (_, csv) = sup
        .get_text("/team/dashboard.csv?sort=acc30&dir=desc")
        .await;
    assert_eq!(names(&csv), ["bo", "ana"]);
    let (_, csv) = sup.get_text("/team/dashboard.csv?sort=acc30&dir=asc").await;
    assert_eq!(names(&csv), ["ana", "bo"]);
    let (_, csv) = sup
        .get_text("/team/dashboard.csv?sort=median&dir=asc")
        .await;
    assert_eq!(names(&csv), ["bo", "ana"]);

    // Filtering: by name, and below the threshold (Ana's 30-day 53% < 80%).
    let (_, csv) = sup.get_text("/team/dashboard.csv?q=BO").await;
    assert_eq!(names(&csv), ["bo"]);
    let (_, csv) = sup
        .get_text("/team/dashboard.csv?below=1&threshold=80")
        .await;
    assert_eq!(names(&csv), ["ana"]);
    let (_, csv) = sup
        .get_text("/team/dashboard.csv?below=1&threshold=50")
        .await;
    assert!(names(&csv).is_empty());
    let (_, html) = sup.get_text("/team/dashboard?below=1").await;
    assert!(
        html.contains("class=\"attention\""),
        "below-threshold rows are highlighted"
    );
    // Junk parameters fall back to defaults.
    let (status, _) = sup
        .get_text("/team/dashboard?sort=%27;drop&dir=x&threshold=abc&page=-1")
        .await;
    assert_eq!(status, 200);

    // Raw answers: the team's 21, none of team B's.
    let (status, csv) = sup.get_text("/team/answers.csv").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 17 + 4, "{csv}");
    assert!(lines[0].starts_with("answer_id,answered_utc,trainee"));
    assert!(!csv.contains(",cy,"));
}

#[tokio::test]
async fn confusion_matrix_cells_and_drill_downs_list_the_answers_behind_them() {
    let w = world().await;
    let sup = w.app.client();
    assert_eq!(
        sup.login("sup@dash.example", common::PASSWORD)
            .await
            .status(),
        303
    );

    let (status, html) = sup.get_text("/team/confusion").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/team/confusion/missing_part/damaged_defective\""));
    // Counts: 14 right on the diagonal, 7 confusions.
    assert!(
        html.contains(">14</text>") && html.contains(">7</text>"),
        "{html}"
    );
    let (_, html) = sup.get_text("/team/confusion?mode=rows").await;
    assert!(html.contains(">67</text>") && html.contains(">33</text>"));

    let (status, html) = sup
        .get_text("/team/confusion/missing_part/damaged_defective")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("<tr class=\"wrong\">").count(),
        7,
        "Ana's 7, not Cy's 3"
    );
    let (status, _) = sup.get_text("/team/confusion/missing_part/%3Cx%3E").await;
    assert_eq!(status, 404);

    let (status, html) = sup.get_text("/team/intents/missing_part").await;
    assert_eq!(status, 200);
    assert!(html.contains(">ana<") && html.contains(">bo<") && !html.contains(">cy<"));
    assert!(
        html.contains("/courses/intent-taxonomy/product-problems"),
        "lessons that teach it"
    );
    assert_eq!(sup.get_text("/team/intents/no_such_intent").await.0, 404);

    let lang: String = sqlx::query_scalar("SELECT m.lang FROM lab_answers a JOIN messages m ON m.id = a.message_id WHERE a.user_id = $1 LIMIT 1")
        .bind(w.ana)
        .fetch_one(&w.app.db.pool)
        .await
        .unwrap();
    let (status, html) = sup.get_text(&format!("/team/languages/{lang}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(">ana<"));

    // A trainee of the supervisor's team: dashboard and answer history with the message text.
    let (status, html) = sup.get_text(&format!("/team/trainees/{}", w.ana)).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>ana</h1>") && html.contains("<svg"));
    let text: String = sqlx::query_scalar("SELECT m.text FROM lab_answers a JOIN messages m ON m.id = a.message_id WHERE a.user_id = $1 ORDER BY a.answered_at DESC, a.id DESC LIMIT 1")
        .bind(w.ana)
        .fetch_one(&w.app.db.pool)
        .await
        .unwrap();
    let (status, html) = sup
        .get_text(&format!("/team/trainees/{}/answers", w.ana))
        .await;
    assert_eq!(status, 200);
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    assert!(html.contains(&escaped), "the message text is shown");
    assert_eq!(html.matches("<tr").count(), 1 + 17);
    let (_, page2) = sup
        .get_text(&format!("/team/trainees/{}/answers?page=2", w.ana))
        .await;
    assert!(!page2.contains("<tr class"), "17 answers fit on one page");

    // Not their team: 404, whatever the way in.
    for path in [
        format!("/team/trainees/{}", w.cy),
        format!("/team/trainees/{}/answers", w.cy),
        format!("/team/dashboard?team={}", w.team_b),
        format!("/team/dashboard.csv?team={}", w.team_b),
        format!("/team/answers.csv?team={}", w.team_b),
        "/team/trainees/999999".to_string(),
        "/team/trainees/abc".to_string(),
    ] {
        assert_eq!(sup.get_text(&path).await.0, 404, "{path}");
    }

    // An administrator sees every team.
    let (admin, _) = w.app.signed_in("admin@dash.example", &[Role::Admin]).await;
    let (status, html) = admin.get_text(&format!("/team/trainees/{}", w.cy)).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>cy</h1>"));
    let (_, csv) = admin.get_text("/team/dashboard.csv").await;
    assert_eq!(csv.lines().count(), 4, "ana, bo, cy: {csv}");
    let (_, csv) = admin
        .get_text(&format!("/team/dashboard.csv?team={}", w.team_b))
        .await;
    assert_eq!(csv.lines().count(), 2);
    let _ = w.bo;
}

#[tokio::test]
async fn a_trainee_sees_their_progress_confusions_and_lessons() {
    let w = world().await;
    let ana = w.app.client();
    assert_eq!(
        ana.login("ana@dash.example", common::PASSWORD)
            .await
            .status(),
        303
    );
    let (status, html) = ana.get_text("/me/progress").await;
    assert_eq!(status, 200);
    // 10 of 17 overall; the classifier was right on all 17 gold items.
    assert!(html.contains(">58%<") || html.contains(">58% "), "{html}");
    assert!(html.contains("100%"));
    assert!(html.contains("You label"));
    assert!(html.contains("href=\"/courses/intent-taxonomy/product-problems\""));
    assert!(
        html.contains("<title id=\"trend-title\">")
            && html.contains("<title id=\"by-intent-title\">")
    );
    assert!(!html.contains("style="), "CSP: no inline styles");
    // The trend carries this week's and 3 weeks ago's points; nothing links to team pages.
    assert!(!html.contains("/team/"));
    // Buyer-message reading certification: listed with what is missing.
    assert!(html.contains("class=\"checklist\"") || html.contains("cert"));

    let (status, html) = {
        ana.post("/lang", &[("locale", "zh-CN"), ("back", "/me/progress")])
            .await;
        ana.get_text("/me/progress").await
    };
    assert_eq!(status, 200);
    assert!(html.contains("我的进度"));
}
