//! Lab performance figures: `cargo bench --bench lab` (release build; a few minutes).
//!
//! 1. Classifier: training time on the shipped corpus and on a 20k-message corpus made from it;
//!    predictions per second on one core.
//! 2. Import: upserting 100,000 messages into SQLite.
//! 3. The lab over HTTP on SQLite: N concurrent trainees fetch the next item and submit labels for a
//!    bounded time; p50/p95/p99 per request kind and the error count.
//!
//! Everything talks to 127.0.0.1 only and stops by itself.

use std::time::{Duration, Instant};

use intentdojo::accounts::{NewPassword, Role, hash_password, store as accounts};
use intentdojo::app::Application;
use intentdojo::classifier::model;
use intentdojo::config::Config;
use intentdojo::lab::corpus::CorpusMessage;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn corpus() -> Vec<CorpusMessage> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let labels = intentdojo::taxonomy::load_file(&root.join("taxonomy.toml")).unwrap();
    let intents = labels
        .iter()
        .filter(|l| l.kind == intentdojo::taxonomy::LabelKind::Intent)
        .map(|l| l.key.clone())
        .collect();
    let emotions = labels
        .iter()
        .filter(|l| l.kind == intentdojo::taxonomy::LabelKind::Emotion)
        .map(|l| l.key.clone())
        .collect();
    let keys = intentdojo::lab::corpus::Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let mut all = Vec::new();
    for path in intentdojo::lab::corpus::corpus_files(&root).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        all.extend(intentdojo::lab::corpus::parse_jsonl("x", &text, &keys).unwrap());
    }
    all
}

fn classifier(all: &[CorpusMessage]) {
    let examples: Vec<(String, String)> = all
        .iter()
        .map(|m| (m.text.clone(), m.intent.clone().unwrap()))
        .collect();
    let started = Instant::now();
    let (_, m) = model::fit(&examples, model::DEFAULT_ALPHA).unwrap();
    println!(
        "classifier: train on {} messages: {:.2} s",
        examples.len(),
        started.elapsed().as_secs_f64()
    );
    // 20k messages: the corpus ten times over, with a varying suffix so texts differ.
    let big: Vec<(String, String)> = (0..20_000)
        .map(|i| {
            (
                format!("{} #{}", examples[i % examples.len()].0, i / examples.len()),
                examples[i % examples.len()].1.clone(),
            )
        })
        .collect();
    let started = Instant::now();
    model::fit(&big, model::DEFAULT_ALPHA).unwrap();
    println!(
        "classifier: train on {} messages: {:.2} s",
        big.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(3) {
        for (text, _) in &examples {
            std::hint::black_box(m.predict(text));
            n += 1;
        }
    }
    println!(
        "classifier: {:.0} predictions/s on one core",
        n as f64 / started.elapsed().as_secs_f64()
    );
}

async fn import(all: &[CorpusMessage]) {
    let dir = tempfile::tempdir().unwrap();
    let db =
        intentdojo::db::Db::connect(&format!("sqlite://{}/import.db", dir.path().display()), 4)
            .await
            .unwrap();
    let many: Vec<CorpusMessage> = (0..100_000)
        .map(|i| {
            let mut m = all[i % all.len()].clone();
            m.id = format!("bench-{i}");
            m.text = format!("{} ({i})", m.text);
            m
        })
        .collect();
    let started = Instant::now();
    intentdojo::lab::store::upsert_messages(&db, "bench", &many)
        .await
        .unwrap();
    println!(
        "import: 100,000 messages into SQLite: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn lab_load(trainees: usize, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(&format!("sqlite://{}/lab.db", dir.path().display()));
    config.workers = 2;
    config.login_limits.per_client = 1_000_000;
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    let hash = hash_password(&NewPassword::parse("bench password 1", None).unwrap()).unwrap();
    let mut clients = Vec::new();
    for i in 0..trainees {
        let email = format!("bench{i}@example.com");
        let new = accounts::NewUser {
            email: &email,
            display_name: "Bench",
            password_hash: Some(&hash),
            roles: &[Role::Trainee],
            locale: None,
        };
        accounts::create_user(&db, &new).await.unwrap();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = client
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf(&page);
        let res = client
            .post(format!("{base}/login"))
            .form(&[
                ("email", email.as_str()),
                ("password", "bench password 1"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let account = client
            .get(format!("{base}/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        clients.push((client, csrf(&account)));
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (client, token) in clients {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let (mut next, mut submit, mut errors) = (Vec::new(), Vec::new(), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = client
                    .get(format!("{base}/lab/next?mode=intent"))
                    .send()
                    .await;
                next.push(t.elapsed().as_secs_f64() * 1000.0);
                let Ok(res) = res else {
                    errors += 1;
                    continue;
                };
                let Some(location) = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                else {
                    errors += 1;
                    continue;
                };
                let id = location
                    .trim_start_matches("/lab/items/")
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/lab/items/{id}"))
                    .form(&[
                        ("mode", "intent"),
                        ("intent", "where_is_my_order"),
                        ("csrf_token", token.as_str()),
                    ])
                    .send()
                    .await;
                submit.push(t.elapsed().as_secs_f64() * 1000.0);
                if !matches!(res, Ok(ref r) if r.status() == 303) {
                    errors += 1;
                }
            }
            (next, submit, errors)
        }));
    }
    let (mut next, mut submit, mut errors) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        let (n, s, e) = t.await.unwrap();
        next.extend(n);
        submit.extend(s);
        errors += e;
    }
    for (name, v) in [
        ("GET /lab/next", &mut next),
        ("POST /lab/items/{id}", &mut submit),
    ] {
        v.sort_by(f64::total_cmp);
        println!(
            "lab on SQLite, {trainees} trainees, {seconds} s: {name}: {} requests ({:.0}/s), p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
            v.len(),
            v.len() as f64 / seconds as f64,
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 0.99)
        );
    }
    println!("lab on SQLite, {trainees} trainees: {errors} errors");
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

fn main() {
    let all = corpus();
    classifier(&all);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        import(&all).await;
        lab_load(64, 20).await;
    });
}
