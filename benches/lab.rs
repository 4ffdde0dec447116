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
    let m = model::fit(model::pairs(&examples), model::DEFAULT_ALPHA).unwrap();
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
    model::fit(model::pairs(&big), model::DEFAULT_ALPHA).unwrap();
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

/// 100,000 distinct messages made from the shipped corpus (a numbered suffix keeps texts apart).
fn hundred_thousand(all: &[CorpusMessage], prefix: &str) -> Vec<CorpusMessage> {
    (0..100_000)
        .map(|i| {
            let mut m = all[i % all.len()].clone();
            m.id = format!("{prefix}-{i}");
            m.text = format!("{} ({i})", m.text);
            m
        })
        .collect()
}

async fn import(all: &[CorpusMessage]) {
    let dir = tempfile::tempdir().unwrap();
    let db =
        intentdojo::db::Db::connect(&format!("sqlite://{}/import.db", dir.path().display()), 4)
            .await
            .unwrap();
    let many = hundred_thousand(all, "bench");
    let started = Instant::now();
    intentdojo::lab::store::upsert_messages(&db, "bench", &many)
        .await
        .unwrap();
    println!(
        "import: 100,000 messages into SQLite: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Latencies of one kind of request, in milliseconds.
#[derive(Default)]
struct Timings {
    samples: Vec<f64>,
}

impl Timings {
    fn report(&mut self, label: &str, seconds: f64) {
        self.samples.sort_by(f64::total_cmp);
        let v = &self.samples;
        println!(
            "  {label:<28} {:>7} requests ({:>5.0}/s)  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            v.len(),
            v.len() as f64 / seconds,
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(0.0)
        );
    }
}

#[derive(Default)]
struct FlowTimings {
    next: Timings,
    item: Timings,
    submit: Timings,
    feedback: Timings,
    errors: usize,
}

/// One simulated trainee: next item, read it, think, submit a label, read the feedback, think.
/// `think` is the mean pause in milliseconds between a page and the next action (0 = flat out).
async fn trainee_loop(
    client: reqwest::Client,
    base: String,
    token: String,
    deadline: Instant,
    think_ms: u64,
    seed: u64,
) -> FlowTimings {
    let mut t = FlowTimings::default();
    let mut state = seed;
    let mut pause = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Uniform in [0.5, 1.5) × think_ms.
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        Duration::from_micros(((0.5 + u) * think_ms as f64 * 1000.0) as u64)
    };
    let intents = ["where_is_my_order", "return_refund", "damaged_defective"];
    // People do not all click in the same millisecond: spread the first request over two pauses.
    if think_ms > 0 {
        tokio::time::sleep(pause() * 2).await;
    }
    let mut round = 0usize;
    while Instant::now() < deadline {
        round += 1;
        let next = client.get(format!("{base}/lab/next?mode=intent"));
        let Some(item) = timed_redirect(next, &mut t.next).await else {
            t.errors += 1;
            continue;
        };
        t.errors +=
            usize::from(!timed_page(client.get(format!("{base}{item}")), &mut t.item).await);
        if think_ms > 0 {
            tokio::time::sleep(pause()).await;
        }
        let id = item
            .trim_start_matches("/lab/items/")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let submit = client.post(format!("{base}/lab/items/{id}")).form(&[
            ("mode", "intent"),
            ("intent", intents[round % intents.len()]),
            ("csrf_token", token.as_str()),
        ]);
        let Some(feedback) = timed_redirect(submit, &mut t.submit).await else {
            t.errors += 1;
            continue;
        };
        t.errors += usize::from(
            !timed_page(client.get(format!("{base}{feedback}")), &mut t.feedback).await,
        );
        if think_ms > 0 {
            tokio::time::sleep(pause()).await;
        }
    }
    t
}

/// Sends a request that must answer 303; records its latency and returns the location.
async fn timed_redirect(request: reqwest::RequestBuilder, into: &mut Timings) -> Option<String> {
    let started = Instant::now();
    let res = request.send().await;
    into.samples.push(started.elapsed().as_secs_f64() * 1000.0);
    match res {
        Ok(r) if r.status() == 303 => r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        _ => None,
    }
}

/// Fetches a page that must answer 200, body included; records its latency.
async fn timed_page(request: reqwest::RequestBuilder, into: &mut Timings) -> bool {
    let started = Instant::now();
    let ok = match request.send().await {
        Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
        Err(_) => false,
    };
    into.samples.push(started.elapsed().as_secs_f64() * 1000.0);
    ok
}

const BENCH_PASSWORD: &str = "bench password 1";

/// A trainee account with the bench password.
async fn create_trainee(db: &intentdojo::db::Db, email: &str) {
    let hash = hash_password(&NewPassword::parse(BENCH_PASSWORD, None).unwrap()).unwrap();
    let new = accounts::NewUser {
        email,
        display_name: "Bench",
        password_hash: Some(&hash),
        roles: &[Role::Trainee],
        locale: None,
    };
    accounts::create_user(db, &new).await.unwrap();
}

/// Signs in through the login form; returns the client (holding the session cookie) and a CSRF
/// token for its forms.
async fn log_in(base: &str, email: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |path: String| {
        let client = client.clone();
        async move {
            let res = client.get(path).send().await.unwrap();
            res.text().await.unwrap()
        }
    };
    let token = csrf(&page(format!("{base}/login")).await);
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email),
            ("password", BENCH_PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let token = csrf(&page(format!("{base}/account")).await);
    (client, token)
}

/// Creates and signs in `n` trainees; returns their clients and CSRF tokens.
async fn sign_in(base: &str, db: &intentdojo::db::Db, n: usize) -> Vec<(reqwest::Client, String)> {
    let mut clients = Vec::new();
    for i in 0..n {
        let email = format!("bench{i}@example.com");
        create_trainee(db, &email).await;
        clients.push(log_in(base, &email).await);
    }
    clients
}

/// The lab over HTTP: `trainees` concurrent trainees for `seconds`, pausing `think_ms` on average
/// between pages (0 = no pause: the server's saturation point).
async fn lab_load(trainees: usize, seconds: u64, think_ms: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(&format!("sqlite://{}/lab.db", dir.path().display()));
    config.workers = 2;
    config.login_limits.per_client = 1_000_000;
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    let clients = sign_in(&base, &db, trainees).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, (client, token))| {
            tokio::spawn(trainee_loop(
                client,
                base.clone(),
                token,
                deadline,
                think_ms,
                i as u64 + 1,
            ))
        })
        .collect();
    let mut all = FlowTimings::default();
    for task in tasks {
        let t = task.await.unwrap();
        all.next.samples.extend(t.next.samples);
        all.item.samples.extend(t.item.samples);
        all.submit.samples.extend(t.submit.samples);
        all.feedback.samples.extend(t.feedback.samples);
        all.errors += t.errors;
    }
    let pace = if think_ms == 0 {
        "no pause between pages (saturation)".to_string()
    } else {
        format!("{think_ms} ms mean pause between pages")
    };
    println!("lab on SQLite, {trainees} trainees, {seconds} s, {pace}:");
    let s = seconds as f64;
    all.next.report("GET /lab/next", s);
    all.item.report("GET /lab/items/{id}", s);
    all.submit.report("POST /lab/items/{id}", s);
    all.feedback.report("GET /lab/answers/{id}", s);
    println!("  errors: {}", all.errors);
}

/// Resident memory of `intentdojo serve` with a 100,000-message corpus beside the shipped content
/// (all gold, so the reference models are trained from about 80,000 of them at start), after it
/// has served lab pages.
async fn resident_memory(all: &[CorpusMessage]) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/big.db", dir.path().display());
    let db = intentdojo::db::Db::connect(&url, 2).await.unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let labels = intentdojo::taxonomy::load_file(&root.join("taxonomy.toml")).unwrap();
    intentdojo::taxonomy::store::upsert(&db, &labels)
        .await
        .unwrap();
    let many = hundred_thousand(all, "big");
    intentdojo::lab::store::upsert_messages(&db, "bench", &many)
        .await
        .unwrap();
    create_trainee(&db, "rss@example.com").await;
    db.pool.close().await;
    db.writer.close().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_intentdojo"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &url,
        ])
        .args([
            "--content-dir",
            &root.display().to_string(),
            "--log-level",
            "warn",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready = started.elapsed().as_secs_f64();
    let (client, token) = log_in(&base, "rss@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(3);
    let t = trainee_loop(client, base, token, deadline, 0, 7).await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let rss = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1024.0
            })
            .unwrap_or(0.0)
    };
    println!(
        "server with 100,000 messages: ready in {ready:.1} s (trains on 80,000), resident memory {:.0} MB after {} lab rounds (peak {:.0} MB), {} errors",
        rss("VmRSS:"),
        t.submit.samples.len(),
        rss("VmHWM:"),
        t.errors
    );
    child.kill().unwrap();
    child.wait().unwrap();
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
        resident_memory(&all).await;
        // Trainees at a brisk human pace (a label every ~2 s, several times faster than people
        // label), then flat out to show where the server saturates.
        lab_load(64, 20, 500).await;
        lab_load(64, 10, 0).await;
    });
}
