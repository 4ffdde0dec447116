//! Test harness: starts the real server on a free loopback port against a fresh database (a temp
//! SQLite file, or a new PostgreSQL database when INTENTDOJO_TEST_DATABASE=postgres) and drives it over
//! HTTP with cookie-keeping clients.
#![allow(dead_code)]

use std::sync::Arc;

pub mod process;

use intentdojo::accounts::{NewPassword, Role, hash_password, store};
use intentdojo::app::Application;
use intentdojo::config::Config;
use intentdojo::db::{Backend, Db};
use reqwest::redirect::Policy;
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery";

/// Which backend the suite runs on: `INTENTDOJO_TEST_DATABASE=postgres` selects PostgreSQL.
pub fn backend() -> Backend {
    match std::env::var("INTENTDOJO_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("INTENTDOJO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database that exists for one test and is dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        match backend() {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db", dir.path().display());
                TestDatabase {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let suffix: String = intentdojo::web::random_token()
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(16)
                    .collect();
                let name = format!("intentdojo_test_{suffix}");
                let admin = postgres_admin_url();
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("PostgreSQL reachable for tests");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin);
                TestDatabase {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl TestDatabase {
    /// The PostgreSQL database's name (None on SQLite).
    pub fn postgres_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async; a small runtime on a thread of its own does the cleanup.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub setup_token: Option<String>,
    pub database: Arc<TestDatabase>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database = TestDatabase::create().await;
        let mut config = Config::for_database(&database.url);
        config.workers = 2;
        config.train_at_start = false;
        adjust(&mut config);
        let app = Application::build(config).await.expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let setup_token = app.setup_token.clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            db,
            setup_token,
            database: Arc::new(database),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests assert them).
    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client builds");
        Client {
            http,
            base: self.address.clone(),
        }
    }

    /// Creates an active user with a password and the given roles; returns its id.
    pub async fn user(&self, email: &str, roles: &[Role]) -> i64 {
        let hash = hash_password(&NewPassword::parse(PASSWORD, None).unwrap()).unwrap();
        let new = store::NewUser {
            email,
            display_name: email.split('@').next().unwrap(),
            password_hash: Some(&hash),
            roles,
            locale: None,
        };
        store::create_user(&self.db, &new)
            .await
            .expect("user created")
    }

    /// A client signed in as a new user with these roles.
    pub async fn signed_in(&self, email: &str, roles: &[Role]) -> (Client, i64) {
        let id = self.user(email, roles).await;
        let client = self.client();
        let res = client.login(email, PASSWORD).await;
        assert_eq!(res.status(), 303, "login of {email} should succeed");
        (client, id)
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub fn csrf_from(html: &str) -> Option<String> {
    let re = regex_lite::Regex::new(r#"name="csrf_token" value="([^"]+)""#).unwrap();
    re.captures(html).map(|c| c[1].to_string())
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

impl Client {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// The CSRF token of this client's current session or visitor cookie (read from a page's form).
    pub async fn csrf(&self) -> String {
        let (_, html) = self.get_text("/login").await;
        if let Some(token) = csrf_from(&html) {
            return token;
        }
        let (_, html) = self.get_text("/account").await;
        csrf_from(&html).expect("a page with a form")
    }

    /// Posts a form with a valid CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}
