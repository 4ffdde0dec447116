//! The real `intentdojo` binary as an operator runs it: `serve` processes on one database and
//! `user add`, driven over HTTP (multi_instance.rs, crash.rs).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::csrf_from;

pub const BIN: &str = env!("CARGO_BIN_EXE_intentdojo");

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_server(database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
            "--workers",
            "1",
        ])
        .args([
            "--content-dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/content"),
            "--log-level",
            "warn",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let server = Server { child, base };
    // Generous: a loaded CI machine starts a debug build slowly (content load, classifier training).
    for _ in 0..600 {
        if let Ok(res) = reqwest::get(format!("{}/healthz", server.base)).await
            && res.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server on port {port} did not become healthy");
}

/// Opens the login form on `base` and posts the credentials with its visitor cookie and token.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let visitor = page
        .cookies()
        .find(|c| c.name() == "intentdojo_visitor")
        .unwrap()
        .value()
        .to_string();
    let token = csrf_from(&page.text().await.unwrap()).unwrap();
    http.post(format!("{base}/login"))
        .header("cookie", format!("intentdojo_visitor={visitor}"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

pub fn user_add(
    database_url: &str,
    email: &str,
    password: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Río Operator",
            "--database-url",
            database_url,
            "--password-stdin",
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
