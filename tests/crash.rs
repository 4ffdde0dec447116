//! Crash test: trainees label in the lab and autosave quiz answers against a real `intentdojo serve`
//! process; the process is killed with SIGKILL mid-load and started again on the same database
//! (SQLite in WAL mode, or PostgreSQL with INTENTDOJO_TEST_DATABASE=postgres). Every submission
//! that got a success response must be there after the restart, exactly once; the open quiz
//! attempt must be whole; and the app must start cleanly.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::{plain_client, sign_in, start_server, user_add};
use common::{TestDatabase, csrf_from, location};
use intentdojo::db::Db;

const TRAINEES: usize = 4;
const PASSWORD: &str = "crash test password";

/// Trainee `who`'s loop: next item, label it, record the answer id when the server says 303.
async fn label_until_killed(
    http: reqwest::Client,
    base: String,
    cookie: String,
    who: usize,
    acked: Arc<Mutex<Vec<(i64, i64, usize)>>>,
) {
    loop {
        let Ok(res) = http
            .get(format!("{base}/lab/next?mode=full"))
            .header("cookie", &cookie)
            .send()
            .await
        else {
            return;
        };
        if res.status() != 303 {
            return;
        }
        let item = location(&res);
        let message_id: i64 = item
            .trim_start_matches("/lab/items/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let Ok(page) = http
            .get(format!("{base}{item}"))
            .header("cookie", &cookie)
            .send()
            .await
        else {
            return;
        };
        let Ok(html) = page.text().await else { return };
        let Some(token) = csrf_from(&html) else {
            return;
        };
        let res = http
            .post(format!("{base}/lab/items/{message_id}"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf_token", token.as_str()),
                ("mode", "full"),
                ("intent", "where_is_my_order"),
                ("emotion", "anxious"),
                ("escalate", "no"),
                ("shown_at", &(intentdojo::db::now_ms() - 3000).to_string()),
            ])
            .send()
            .await;
        match res {
            Ok(res) if res.status() == 303 => {
                let answer: i64 = location(&res)
                    .trim_start_matches("/lab/answers/")
                    .parse()
                    .unwrap();
                acked.lock().unwrap().push((answer, message_id, who));
            }
            _ => return,
        }
    }
}

#[tokio::test]
async fn acknowledged_answers_survive_kill_9_and_the_app_restarts_cleanly() {
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    for i in 0..TRAINEES {
        let out = user_add(
            &url,
            &format!("crash{i}@example.com"),
            PASSWORD,
            &["--role", "trainee"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut server = start_server(&url).await;
    let http = plain_client();
    let mut cookies = Vec::new();
    for i in 0..TRAINEES {
        let res = sign_in(
            &http,
            &server.base,
            &format!("crash{i}@example.com"),
            PASSWORD,
        )
        .await;
        assert_eq!(res.status(), 303);
        let session = res
            .cookies()
            .find(|c| c.name() == "intentdojo_session")
            .unwrap()
            .value()
            .to_string();
        cookies.push(format!("intentdojo_session={session}"));
    }

    // A quiz attempt with an acknowledged autosave, so the restart also finds an attempt in flight.
    let quiz_id: i64 = {
        let db = Db::connect(&url, 1).await.unwrap();
        sqlx::query_scalar("SELECT id FROM quizzes WHERE slug = 'practice-intent-taxonomy'")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let quiz_page = http
        .get(format!("{}/quizzes/{quiz_id}", server.base))
        .header("cookie", &cookies[0])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&quiz_page).unwrap();
    let res = http
        .post(format!("{}/quizzes/{quiz_id}/start", server.base))
        .header("cookie", &cookies[0])
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let attempt: i64 = location(&res)
        .trim_start_matches("/attempts/")
        .parse()
        .unwrap();
    let res = http
        .post(format!("{}/attempts/{attempt}/slots/1", server.base))
        .header("cookie", &cookies[0])
        .header("x-csrf-token", &token)
        .form(&[
            ("q1", "0"),
            ("q1_intent", "cancellation"),
            ("q1_emotion", "angry"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "the autosave was acknowledged");

    let acked = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = cookies
        .iter()
        .enumerate()
        .map(|(who, cookie)| {
            tokio::spawn(label_until_killed(
                http.clone(),
                server.base.clone(),
                cookie.clone(),
                who,
                acked.clone(),
            ))
        })
        .collect();
    // Let the load run until enough answers are acknowledged, then kill -9 in the middle of it.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().expect("SIGKILL the server");
    server.child.wait().unwrap();
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40, "the load ran: {} answers", acked.len());

    // The app starts cleanly on the same database, and every acknowledged answer is there once.
    let server = start_server(&url).await;
    let db = Db::connect(&url, 1).await.unwrap();
    for (answer, message, _) in &acked {
        let stored: Vec<i64> =
            sqlx::query_scalar("SELECT message_id FROM lab_answers WHERE id = $1")
                .bind(answer)
                .fetch_all(&db.pool)
                .await
                .unwrap();
        assert_eq!(
            stored,
            vec![*message],
            "answer {answer} survived the crash once"
        );
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_answers")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    // At most one answer per trainee was in flight (stored, not yet acknowledged).
    assert!(
        (acked.len() as i64..=(acked.len() + TRAINEES) as i64).contains(&total),
        "{total} stored, {} acknowledged",
        acked.len()
    );
    // The quiz attempt is whole: every slot of it is there and it still takes answers.
    let slots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempt_slots WHERE attempt_id = $1")
        .bind(attempt)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(slots, 10);
    let saved: Option<i64> =
        sqlx::query_scalar("SELECT saved_at FROM attempt_slots WHERE attempt_id = $1 AND slot = 1")
            .bind(attempt)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(saved.is_some(), "the acknowledged autosave survived");
    if url.starts_with("sqlite") {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    // Sessions are server-side: the trainee is still signed in, and the answer pages work.
    let (answer, _, who) = acked[0];
    let res = http
        .get(format!("{}/lab/answers/{answer}", server.base))
        .header("cookie", &cookies[who])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http
        .get(format!("{}/attempts/{attempt}", server.base))
        .header("cookie", &cookies[0])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
