//! Team dashboard performance: `cargo bench --bench dashboard` (release build; about a minute).
//!
//! Seeds a SQLite database with one team of 200 trainees and 500,000 lab answers spread over the
//! last 90 days, then measures:
//! 1. the team table's aggregates alone (`reports::store::team_rows`);
//! 2. `GET /team/dashboard` over HTTP as the team's supervisor: the whole page (table, team trend,
//!    accuracy per intent, languages), rendered;
//! 3. `GET /team/confusion` and `GET /team/dashboard.csv`.
//!
//! Each is run 20 times after one warm-up; min / median / p95 are printed. Target: the dashboard
//! page under 200 ms. Everything talks to 127.0.0.1 only and stops by itself.

use std::time::Instant;

use intentdojo::accounts::store::{self as accounts, MemberKind};
use intentdojo::accounts::{NewPassword, Role, hash_password};
use intentdojo::app::Application;
use intentdojo::config::Config;
use intentdojo::lab::{Fields, Labels};
use intentdojo::reports::dashboard::TeamScope;
use intentdojo::reports::history::{self, PastLabAnswer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TRAINEES: usize = 200;
const ANSWERS: usize = 500_000;
const RUNS: usize = 20;
const PASSWORD: &str = "bench-supervisor-password";

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: min {:.1} ms, median {:.1} ms, p95 {:.1} ms ({} runs)",
        ms[0],
        p(0.5),
        p(0.95),
        ms.len()
    );
}

fn csrf(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .map(|i| i + 25)
        .unwrap_or(0);
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn time_get(client: &reqwest::Client, url: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..=RUNS {
        let started = Instant::now();
        let res = client.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body = res.bytes().await.unwrap();
        assert!(!body.is_empty());
        if i > 0 {
            out.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    out
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let mut config = Config::for_database(&url);
        config.train_at_start = false;
        let app = Application::build(config).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        tokio::spawn(app.run_until_stopped());

        let team = accounts::create_team(&db, "Bench Team").await.unwrap();
        let hash = hash_password(&NewPassword::parse(PASSWORD, None).unwrap()).unwrap();
        let sup = accounts::create_user(
            &db,
            &accounts::NewUser {
                email: "sup@bench.example",
                display_name: "Supervisor",
                password_hash: Some(&hash),
                roles: &[Role::Supervisor],
                locale: None,
            },
        )
        .await
        .unwrap();
        accounts::add_team_member(&db, team, sup, MemberKind::Supervisor)
            .await
            .unwrap();
        let mut trainees = Vec::new();
        for i in 0..TRAINEES {
            let email = format!("t{i}@bench.example");
            let name = format!("Trainee {i:03}");
            let id = accounts::create_user(
                &db,
                &accounts::NewUser {
                    email: &email,
                    display_name: &name,
                    password_hash: None,
                    roles: &[Role::Trainee],
                    locale: None,
                },
            )
            .await
            .unwrap();
            accounts::add_team_member(&db, team, id, MemberKind::Member)
                .await
                .unwrap();
            trainees.push(id);
        }
        let messages: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, gold_intent FROM messages WHERE gold_intent IS NOT NULL AND split = 'practice'",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let intents: Vec<String> = {
            let mut v: Vec<String> = messages.iter().map(|m| m.1.clone()).collect();
            v.sort();
            v.dedup();
            v
        };

        let started = Instant::now();
        let now = intentdojo::db::now_ms();
        let mut rng = StdRng::seed_from_u64(7);
        let per_trainee = ANSWERS / TRAINEES;
        for chunk in trainees.chunks(20) {
            let mut batch = Vec::with_capacity(per_trainee * chunk.len());
            for &user_id in chunk {
                for _ in 0..per_trainee {
                    let (message_id, gold) = &messages[rng.random_range(0..messages.len())];
                    let given = if rng.random_bool(0.75) {
                        gold.clone()
                    } else {
                        intents[rng.random_range(0..intents.len())].clone()
                    };
                    batch.push(PastLabAnswer {
                        user_id,
                        message_id: *message_id,
                        fields: Fields::INTENT,
                        given: Labels {
                            intent: Some(given),
                            ..Labels::default()
                        },
                        reference: Labels {
                            intent: Some(gold.clone()),
                            ..Labels::default()
                        },
                        classifier_intent: Some(gold.clone()),
                        millis: rng.random_range(3_000..40_000),
                        answered_at: now - rng.random_range(0..90 * 86_400_000_i64),
                    });
                }
            }
            history::insert(&db, &batch).await.unwrap();
        }
        sqlx::query("ANALYZE").execute(&db.writer).await.unwrap();
        println!(
            "seeded {} trainees, {} answers in {:.1} s",
            TRAINEES,
            per_trainee * TRAINEES,
            started.elapsed().as_secs_f64()
        );

        let scope = TeamScope {
            teams: vec![(team, "Bench Team".into())],
        };
        let mut aggregate = Vec::new();
        for i in 0..=RUNS {
            let started = Instant::now();
            let rows = intentdojo::reports::store::team_rows(&db, &scope, now)
                .await
                .unwrap();
            assert_eq!(rows.len(), TRAINEES);
            if i > 0 {
                aggregate.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        summary("team table aggregates (store::team_rows)", aggregate);

        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = client
            .post(format!("{base}/login"))
            .form(&[
                ("email", "sup@bench.example"),
                ("password", PASSWORD),
                ("csrf_token", &csrf(&login)),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        summary(
            "GET /team/dashboard (whole page)",
            time_get(&client, &format!("{base}/team/dashboard")).await,
        );
        summary(
            "GET /team/dashboard?sort=acc30&below=1",
            time_get(&client, &format!("{base}/team/dashboard?sort=acc30&below=1")).await,
        );
        summary(
            "GET /team/confusion",
            time_get(&client, &format!("{base}/team/confusion")).await,
        );
        summary(
            "GET /team/dashboard.csv",
            time_get(&client, &format!("{base}/team/dashboard.csv")).await,
        );
    });
}
