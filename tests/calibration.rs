//! Calibration sessions over HTTP: a supervisor creates one for three trainees of their team, they
//! label blind (one skips an item, one submits twice), the supervisor closes it and reads a report
//! whose figures are those of `reports::agreement` (and of a hand computation), saves notes and
//! exports the answers; outsiders get nothing.

mod common;

use common::{Client, TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::accounts::store::{MemberKind, add_team_member, create_team};
use intentdojo::reports::agreement::{self, Rating};
use sqlx::Row;

const A: &str = "return_refund";
const B: &str = "exchange";

struct Team {
    supervisor: Client,
    team: i64,
    trainees: Vec<(Client, i64)>,
}

async fn team(app: &TestApp, name: &str, trainees: usize) -> Team {
    let team = create_team(&app.db, name).await.unwrap();
    let slug = name.to_lowercase().replace(' ', "-");
    let (supervisor, sup_id) = app
        .signed_in(&format!("sup@{slug}.example"), &[Role::Supervisor])
        .await;
    add_team_member(&app.db, team, sup_id, MemberKind::Supervisor)
        .await
        .unwrap();
    let mut people = Vec::new();
    for n in 0..trainees {
        let (client, id) = app
            .signed_in(&format!("t{n}@{slug}.example"), &[Role::Trainee])
            .await;
        add_team_member(&app.db, team, id, MemberKind::Member)
            .await
            .unwrap();
        people.push((client, id));
    }
    Team {
        supervisor,
        team,
        trainees: people,
    }
}

/// External ids of `n` practice messages whose gold intent is `intent`.
async fn messages_with_gold(app: &TestApp, intent: &str, n: i64) -> Vec<String> {
    sqlx::query(
        "SELECT external_id FROM messages WHERE gold_intent = $1 AND split = 'practice' ORDER BY id LIMIT $2",
    )
    .bind(intent)
    .bind(n)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("external_id"))
    .collect()
}

async fn create(sup: &Client, team: i64, ids: &str, trainees: &[i64]) -> reqwest::Response {
    let team = team.to_string();
    let ids_owned: Vec<String> = trainees.iter().map(|t| t.to_string()).collect();
    let mut fields = vec![
        ("title", "Week 48 calibration"),
        ("team", team.as_str()),
        ("ids", ids),
        ("count", "20"),
        ("split", "practice"),
    ];
    for id in &ids_owned {
        fields.push(("trainee", id));
    }
    sup.post("/team/calibration/new", &fields).await
}

async fn answer(client: &Client, session: &str, item: usize, intent: &str) -> reqwest::Response {
    client
        .post(
            &format!("/calibration/{session}/items/{item}"),
            &[
                ("intent", intent),
                ("emotion", "neutral"),
                ("escalate", "no"),
            ],
        )
        .await
}

fn stat(v: Option<f64>) -> String {
    format!("{:.3}", v.expect("defined"))
}

#[tokio::test]
async fn a_session_runs_blind_and_its_report_shows_the_agreement_figures() {
    let app = TestApp::spawn().await;
    let t = team(&app, "Team Kappa", 3).await;
    let mut ids = messages_with_gold(&app, A, 2).await;
    ids.extend(messages_with_gold(&app, B, 2).await);
    assert_eq!(ids.len(), 4);
    let trainee_ids: Vec<i64> = t.trainees.iter().map(|(_, id)| *id).collect();

    let res = create(&t.supervisor, t.team, &ids.join("\n"), &trainee_ids).await;
    assert_eq!(res.status(), 303);
    let session = location(&res)
        .strip_prefix("/team/calibration/")
        .expect("to the session page")
        .to_string();

    // Progress page: every trainee at 0, the session open.
    let (status, html) = t
        .supervisor
        .get_text(&format!("/team/calibration/{session}"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Week 48 calibration") && html.contains("0 / 4"));
    // No report while open.
    let (status, _) = t
        .supervisor
        .get_text(&format!("/team/calibration/{session}/report"))
        .await;
    assert_eq!(status, 409);

    // The trainee sees the session and labels blind: the message, no rationale, no reference.
    let (t0, t1, t2) = (&t.trainees[0].0, &t.trainees[1].0, &t.trainees[2].0);
    let (status, html) = t0.get_text("/calibration").await;
    assert_eq!(status, 200);
    assert!(html.contains("Week 48 calibration"));
    let (_, html) = t0.get_text(&format!("/calibration/{session}")).await;
    assert!(html.contains(&format!("/calibration/{session}/items/1")));
    let first = sqlx::query("SELECT text, rationale_en FROM messages WHERE external_id = $1")
        .bind(&ids[0])
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (status, html) = t0
        .get_text(&format!("/calibration/{session}/items/1"))
        .await;
    assert_eq!(status, 200);
    let text: String = first.get("text");
    let rationale: String = first.get("rationale_en");
    let plain: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    assert!(html.contains(plain.trim()), "the message is shown");
    assert!(
        rationale.is_empty() || !html.contains(&rationale),
        "no rationale"
    );
    assert!(!html.contains("Reference"), "no reference on a blind page");
    assert!(!html.contains(" checked"), "nothing preselected");
    assert!(html.contains("name=\"csrf_token\""));

    // Answers, chosen so the kappas are known by hand (items 1–4; gold A, A, B, B):
    // t0: A A B B   t1: A A B A   t2: A B B (skips item 4).
    for (i, label) in [A, A, B, B].iter().enumerate() {
        let res = answer(t0, &session, i + 1, label).await;
        assert_eq!(res.status(), 303);
    }
    // A second submit of the same item (another tab, a double click) changes nothing.
    let res = answer(t0, &session, 1, B).await;
    assert_eq!(res.status(), 303);
    for (i, label) in [A, A, B, A].iter().enumerate() {
        answer(t1, &session, i + 1, label).await;
    }
    for (i, label) in [A, B, B].iter().enumerate() {
        answer(t2, &session, i + 1, label).await;
    }
    let res = t2
        .post(&format!("/calibration/{session}/items/4"), &[("skip", "1")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/calibration/{session}"));
    let (_, html) = t2.get_text(&format!("/calibration/{session}")).await;
    assert!(html.contains("4 / 4"), "a skipped item counts as done");
    // A done item is not shown again.
    let res = t0.get(&format!("/calibration/{session}/items/2")).await;
    assert_eq!(res.status(), 303);

    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM calibration_answers a JOIN calibration_sessions s ON s.id = a.session_id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, 12, "11 answers and 1 skip, the double submit once");

    let (_, html) = t
        .supervisor
        .get_text(&format!("/team/calibration/{session}"))
        .await;
    assert!(html.contains("3 / 4") && html.contains("4 / 4"));

    // Close; trainees can no longer answer.
    let res = t
        .supervisor
        .post(&format!("/team/calibration/{session}/close"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/team/calibration/{session}/report")
    );
    let res = answer(t2, &session, 4, A).await;
    assert_eq!(res.status(), 409);
    let (_, html) = t2.get_text(&format!("/calibration/{session}")).await;
    assert!(html.contains("closed"));

    // The report: figures equal the agreement module's, and the hand-computed ones.
    let (status, html) = t
        .supervisor
        .get_text(&format!("/team/calibration/{session}/report"))
        .await;
    assert_eq!(status, 200);
    let name = |n: usize| format!("t{n}");
    let mut ratings = Vec::new();
    for (n, labels) in [vec![A, A, B, B], vec![A, A, B, A], vec![A, B, B]]
        .iter()
        .enumerate()
    {
        for (i, l) in labels.iter().enumerate() {
            ratings.push(Rating::new((i + 1).to_string(), name(n), *l));
        }
    }
    let expected = agreement::summarize(&ratings).unwrap();
    assert!(html.contains(&stat(expected.fleiss_kappa)), "Fleiss");
    assert!(html.contains(&stat(expected.krippendorff_alpha)), "alpha");
    // Cohen by hand: t0–t1 agree on 3 of 4, p_e = (2·3 + 2·1)/16 = 0.5, κ = 0.25/0.5 = 0.5;
    // t0–t2 over items 1–3 agree on 2 of 3, p_e = (2·1 + 1·2)/9, κ = (2/3 − 4/9)/(5/9) = 0.4.
    let pair = |a: &str, b: &str| {
        expected
            .pairwise
            .iter()
            .find(|p| p.rater_a == a && p.rater_b == b)
            .unwrap()
            .clone()
    };
    assert!((pair("t0", "t1").cohen_kappa.unwrap() - 0.5).abs() < 1e-12);
    assert!((pair("t0", "t2").cohen_kappa.unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(pair("t0", "t2").n, 3);
    assert!(html.contains("0.500") && html.contains("0.400"));
    assert!(html.contains(&stat(pair("t1", "t2").cohen_kappa)));
    // Against gold (A A B B): t0 is perfect, t1 is t0's 0.5, t2 is 0.4 over 3 items.
    assert!(html.contains("1.000"));
    assert!(html.contains("4 / 4") && html.contains("3 / 4") && html.contains("2 / 3"));
    // Items by disagreement: item 2 (A A B) and item 4 (B A) before the agreed items 1 and 3.
    let pos = |n: usize| html.find(&format!("id=\"item-{n}\"")).unwrap();
    assert!(pos(2) < pos(1) && pos(4) < pos(1) && pos(4) < pos(3) && pos(2) < pos(3));
    assert!(html.contains("1 skipped"));

    // Notes are saved, CSRF-checked.
    let notes_path = format!("/team/calibration/{session}/items/2/notes");
    let res = t
        .supervisor
        .post_raw(&notes_path, &[("notes", "no token")])
        .await;
    assert_eq!(res.status(), 403);
    let res = t
        .supervisor
        .post(
            &notes_path,
            &[(
                "notes",
                "Exchange vs refund: ask what the buyer wants back.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = t
        .supervisor
        .get_text(&format!("/team/calibration/{session}/report"))
        .await;
    assert!(html.contains("Exchange vs refund: ask what the buyer wants back."));

    // The CSV feeds the agreement command's parser and gives the same statistics.
    let res = t
        .supervisor
        .get(&format!("/team/calibration/{session}/answers.csv"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let parsed = agreement::parse_ratings_csv(&csv).unwrap();
    assert_eq!(parsed.len(), 11, "skips have no row");
    let from_csv = agreement::summarize(&parsed).unwrap();
    assert_eq!(from_csv.fleiss_kappa, expected.fleiss_kappa);
    assert_eq!(from_csv.krippendorff_alpha, expected.krippendorff_alpha);
    assert!(
        csv.contains(&format!("{},t0@team-kappa.example,{A}", ids[0])),
        "first answer stands: {csv}"
    );
}

#[tokio::test]
async fn outsiders_get_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app, "Team Own", 2).await;
    let other = team(&app, "Team Other", 1).await;
    let ids = messages_with_gold(&app, A, 3).await;
    let members: Vec<i64> = t.trainees.iter().map(|(_, id)| *id).collect();
    let res = create(&t.supervisor, t.team, &ids.join(","), &members).await;
    let session = location(&res).rsplit('/').next().unwrap().to_string();
    t.supervisor
        .post(&format!("/team/calibration/{session}/close"), &[])
        .await;

    // A trainee of another team: 404 everywhere.
    let outsider = &other.trainees[0].0;
    for path in [
        format!("/calibration/{session}"),
        format!("/calibration/{session}/items/1"),
    ] {
        assert_eq!(outsider.get(&path).await.status(), 404, "{path}");
    }
    let res = answer(outsider, &session, 1, A).await;
    assert_eq!(res.status(), 404);
    let (_, html) = outsider.get_text("/calibration").await;
    assert!(!html.contains("Week 48 calibration"));

    // The supervisor of another team: 404 on every page and action of this session.
    for path in [
        format!("/team/calibration/{session}"),
        format!("/team/calibration/{session}/report"),
        format!("/team/calibration/{session}/answers.csv"),
    ] {
        assert_eq!(other.supervisor.get(&path).await.status(), 404, "{path}");
    }
    let res = other
        .supervisor
        .post(
            &format!("/team/calibration/{session}/items/1/notes"),
            &[("notes", "x")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let (_, html) = other.supervisor.get_text("/team/calibration").await;
    assert!(!html.contains("Week 48 calibration"));
    // Nor can they create a session for a team they do not supervise, or with its trainees.
    let res = create(&other.supervisor, t.team, &ids.join(","), &members).await;
    assert_eq!(res.status(), 422);

    // An instructor reads the report but cannot write notes; an admin can.
    let (instructor, _) = app
        .signed_in("inst@calib.example", &[Role::Instructor])
        .await;
    let (status, html) = instructor
        .get_text(&format!("/team/calibration/{session}/report"))
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("/notes\""));
    let res = instructor
        .post(
            &format!("/team/calibration/{session}/items/1/notes"),
            &[("notes", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (admin, _) = app.signed_in("admin@calib.example", &[Role::Admin]).await;
    let res = admin
        .post(
            &format!("/team/calibration/{session}/items/1/notes"),
            &[("notes", "admin note")],
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_forms_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let t = team(&app, "Team Forms", 3).await;
    let members: Vec<i64> = t.trainees.iter().map(|(_, id)| *id).collect();

    let (status, html) = t.supervisor.get_text("/team/calibration/new").await;
    assert_eq!(status, 200);
    assert!(html.contains("t0") && html.contains("name=\"csrf_token\""));

    // One trainee is too few; unknown ids are named; a filter that matches nothing says so.
    let res = create(&t.supervisor, t.team, "", &members[..1]).await;
    assert_eq!(res.status(), 422);
    let res = create(&t.supervisor, t.team, "no-such-message", &members).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("no-such-message"));
    let team = t.team.to_string();
    let (m0, m1) = (members[0].to_string(), members[1].to_string());
    let res = t
        .supervisor
        .post(
            "/team/calibration/new",
            &[
                ("title", "Spanish only"),
                ("team", &team),
                ("lang", "es"),
                ("split", "practice"),
                ("count", "5"),
                ("trainee", &m0),
                ("trainee", &m1),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let session = location(&res).rsplit('/').next().unwrap().to_string();
    let langs: Vec<String> = sqlx::query(
        "SELECT m.lang FROM calibration_items i JOIN messages m ON m.id = i.message_id
         WHERE i.session_id = $1",
    )
    .bind(session.parse::<i64>().unwrap())
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("lang"))
    .collect();
    assert_eq!(langs.len(), 5);
    assert!(langs.iter().all(|l| l == "es"));

    // A trainee must give all three labels, from the taxonomy.
    let trainee = &t.trainees[0].0;
    let path = format!("/calibration/{session}/items/1");
    let res = trainee.post(&path, &[("intent", A)]).await;
    assert_eq!(res.status(), 422);
    let res = trainee
        .post(
            &path,
            &[
                ("intent", "made_up"),
                ("emotion", "neutral"),
                ("escalate", "no"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    // The third trainee is not in this session.
    let res = t.trainees[2].0.get(&path).await;
    assert_eq!(res.status(), 404);
}
