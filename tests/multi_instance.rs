//! Two `intentdojo serve` processes on one database behave as one site: a session started on one is
//! valid on the other, signing out on one ends it everywhere, and failed sign-ins count across both.
//! Also exercises `intentdojo user add` as an operator would.

mod common;

use std::process::{Command, Stdio};

use common::process::{BIN, free_port, plain_client, sign_in, start_server, user_add};
use common::{TestDatabase, csrf_from, location};

#[tokio::test]
async fn two_processes_share_sessions_and_rate_limits() {
    let database = TestDatabase::create().await;
    let url = database.url.clone();

    let out = user_add(
        &url,
        "rio@example.com",
        "operator password",
        &[
            "--role",
            "trainee",
            "--role",
            "supervisor",
            "--team",
            "Team Río",
        ],
    );
    assert!(
        out.status.success(),
        "user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user rio@example.com"));
    let dup = user_add(
        &url,
        "rio@example.com",
        "operator password",
        &["--role", "trainee"],
    );
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let bad = user_add(&url, "x@example.com", "short", &["--role", "trainee"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least 10 characters"));

    let a = start_server(&url).await;
    let b = start_server(&url).await;
    let http = plain_client();

    // Sign in on A.
    let res = sign_in(&http, &a.base, "rio@example.com", "operator password").await;
    assert_eq!(res.status(), 303);
    let session = res
        .cookies()
        .find(|c| c.name() == "intentdojo_session")
        .unwrap()
        .value()
        .to_string();
    let cookie = format!("intentdojo_session={session}");

    // The same cookie works on B, and a CSRF token issued by A is accepted by B.
    let res = http
        .get(format!("{}/team", b.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Team Río"));
    let account = http
        .get(format!("{}/account", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let token = csrf_from(&account.text().await.unwrap()).unwrap();
    let res = http
        .post(format!("{}/logout", b.base))
        .header("cookie", &cookie)
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // Signed out on B means signed out on A.
    let res = http
        .get(format!("{}/team", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));

    // Failed sign-ins on A and B add up to one limit.
    for (i, server) in [&a, &b, &a, &b, &a].iter().enumerate() {
        let res = sign_in(&http, &server.base, "rio@example.com", "wrong password").await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = sign_in(&http, &b.base, "rio@example.com", "operator password").await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn serve_prints_a_setup_token_on_an_empty_database_and_never_creates_demo_accounts() {
    let database = TestDatabase::create().await;
    let port = free_port();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &database.url,
            "--log-level",
            "warn",
        ])
        .args([
            "--content-dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/content"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take(4)
            .collect::<Vec<_>>()
    });
    let lines = reader.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(text.contains("No account exists yet"), "{text}");
    let token = lines.last().unwrap().trim();
    assert!(
        token.len() >= 40,
        "a long random token is printed: {token:?}"
    );
    let db = intentdojo::db::Db::connect(&database.url, 1).await.unwrap();
    assert_eq!(
        intentdojo::accounts::store::count_users(&db).await.unwrap(),
        0
    );
}

#[test]
fn bad_settings_are_refused_with_a_clear_message() {
    let out = Command::new(BIN)
        .args(["serve", "--database-url", "mysql://nope/db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    let out = Command::new(BIN)
        .args(["serve", "--session-secret", "too-short"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 characters"));
    let out = Command::new(BIN)
        .args([
            "user", "add", "--email", "a@b.co", "--name", "A", "--role", "root",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("serve") && help.contains("demo") && help.contains("user"));
}
