//! Settings, from command-line flags or environment variables (flags win).

use std::path::PathBuf;

use clap::Args;

use crate::accounts::rate_limit::LoginLimits;

/// The embedded default: a SQLite file under ./data, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/intentdojo.db";

#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "INTENTDOJO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Database: sqlite://PATH (embedded, the default) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Folder with courses, quizzes, the taxonomy and the message corpus, loaded at start.
    #[arg(long, env = "INTENTDOJO_CONTENT_DIR", default_value = "content")]
    pub content_dir: PathBuf,
    /// Secret for CSRF tokens (any long random text). Default: generated once and kept in the
    /// database, so every instance on one database shares it.
    #[arg(
        long,
        env = "INTENTDOJO_SESSION_SECRET",
        hide_env_values = true,
        conflicts_with = "session_secret_file"
    )]
    pub session_secret: Option<String>,
    /// File holding the secret (first line), instead of --session-secret.
    #[arg(long, env = "INTENTDOJO_SESSION_SECRET_FILE")]
    pub session_secret_file: Option<PathBuf>,
    /// Mark cookies Secure (set this when the site is served over HTTPS).
    #[arg(long, env = "INTENTDOJO_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Sign a session out after this many minutes without a request.
    #[arg(long, env = "INTENTDOJO_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// Sign a session out this many hours after sign-in, active or not.
    #[arg(long, env = "INTENTDOJO_SESSION_MAX_HOURS", default_value_t = 24 * 7)]
    pub session_max_hours: i64,
    /// Failed sign-ins allowed per account within the window before it is paused.
    #[arg(long, env = "INTENTDOJO_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i64,
    /// Failed sign-ins allowed per client address within the window.
    #[arg(
        long,
        env = "INTENTDOJO_LOGIN_MAX_FAILURES_PER_CLIENT",
        default_value_t = 20
    )]
    pub login_max_failures_per_client: i64,
    /// Length of the failed-sign-in window, in minutes.
    #[arg(long, env = "INTENTDOJO_LOGIN_WINDOW_MINUTES", default_value_t = 15)]
    pub login_window_minutes: i64,
    /// Trust X-Forwarded-For / Forwarded for the client address (only behind your own proxy).
    #[arg(long, env = "INTENTDOJO_BEHIND_PROXY")]
    pub behind_proxy: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "INTENTDOJO_WORKERS")]
    pub workers: Option<usize>,
    /// Maximum database connections in this instance's pool.
    #[arg(long, env = "INTENTDOJO_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// The reference classifier grades a message without gold label only at or above this confidence;
    /// below it the answer waits for an instructor's review.
    #[arg(long, env = "INTENTDOJO_CLASSIFIER_THRESHOLD", default_value_t = 0.8)]
    pub classifier_threshold: f64,
    /// Log filter, e.g. info, debug, intentdojo=debug,sqlx=warn.
    #[arg(long, env = "INTENTDOJO_LOG", default_value = "info")]
    pub log_level: String,
}

/// The running configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: String,
    pub database_url: String,
    pub content_dir: PathBuf,
    pub session_secret: Option<String>,
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub login_limits: LoginLimits,
    pub behind_proxy: bool,
    pub workers: usize,
    pub db_max_connections: u32,
    pub classifier_threshold: f64,
    /// Train the reference models at start (always in `serve` and `demo`; tests that do not need
    /// the classifier turn it off to start faster).
    pub train_at_start: bool,
    /// Demo mode creates demo accounts and never prints a setup token.
    pub demo: bool,
}

impl Config {
    pub fn session_idle_ms(&self) -> i64 {
        self.session_idle_minutes * 60_000
    }

    pub fn session_max_ms(&self) -> i64 {
        self.session_max_hours * 3_600_000
    }

    /// The configuration a test or the demo starts from.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            addr: "127.0.0.1:0".to_string(),
            database_url: database_url.to_string(),
            content_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/content")),
            session_secret: None,
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_hours: 24 * 7,
            login_limits: LoginLimits::default(),
            behind_proxy: false,
            workers: 2,
            db_max_connections: 16,
            classifier_threshold: 0.8,
            train_at_start: true,
            demo: false,
        }
    }
}

impl TryFrom<&ServeArgs> for Config {
    type Error = anyhow::Error;

    fn try_from(args: &ServeArgs) -> anyhow::Result<Config> {
        let session_secret = match (&args.session_secret, &args.session_secret_file) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("cannot read --session-secret-file {}: {e}", path.display())
                })?;
                Some(text.lines().next().unwrap_or_default().trim().to_string())
            }
            (None, None) => None,
        };
        if let Some(secret) = &session_secret {
            anyhow::ensure!(
                secret.len() >= 32,
                "the session secret must be at least 32 characters long"
            );
        }
        anyhow::ensure!(
            args.session_idle_minutes > 0,
            "--session-idle-minutes must be positive"
        );
        anyhow::ensure!(
            args.session_max_hours > 0,
            "--session-max-hours must be positive"
        );
        anyhow::ensure!(
            args.login_window_minutes > 0,
            "--login-window-minutes must be positive"
        );
        anyhow::ensure!(
            args.login_max_failures > 0 && args.login_max_failures_per_client > 0,
            "login failure limits must be positive"
        );
        Ok(Config {
            addr: args.addr.clone(),
            database_url: args.database_url.clone(),
            content_dir: args.content_dir.clone(),
            session_secret,
            secure_cookies: args.secure_cookies,
            session_idle_minutes: args.session_idle_minutes,
            session_max_hours: args.session_max_hours,
            login_limits: LoginLimits {
                window_ms: args.login_window_minutes * 60_000,
                per_account: args.login_max_failures,
                per_client: args.login_max_failures_per_client,
            },
            behind_proxy: args.behind_proxy,
            workers: args
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            db_max_connections: args.db_max_connections,
            classifier_threshold: args.classifier_threshold,
            train_at_start: true,
            demo: false,
        })
    }
}
