//! The one storage layer: a sqlx `Any` pool over SQLite (default) or PostgreSQL.
//!
//! All SQL in the feature `store.rs` files is portable: `$1` placeholders, ids via `RETURNING`, times as
//! epoch milliseconds, booleans as 0/1 integers. Backend differences live only in `migrations/<backend>`.

pub mod cache;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://PATH or postgres://...")
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A handle on the database: cheap to clone (the pools are shared).
///
/// Reads go to `pool`, writes (and transactions) to `writer`. On SQLite the writer is a single
/// connection: with several writing connections, overlapping write transactions starve the WAL
/// checkpoint and the -wal file grows without bound (measured: 125 MB for 10 MB written; 4 MB with one
/// writer, at the same throughput). On PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub writer: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects (creating a SQLite file and its folder if needed) and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid database URL {}", redact(&url)))?;
        let pool = open_pool(backend, &options, max_connections, false)
            .await
            .with_context(|| format!("cannot connect to {}", redact(&url)))?;
        let writer = match backend {
            Backend::Sqlite => open_pool(backend, &options, 1, true).await?,
            Backend::Postgres => pool.clone(),
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&writer)
            .await
            .context("applying database migrations")?;
        Ok(Db {
            pool,
            writer,
            backend,
        })
    }

    /// True when the database answers a trivial query (used by `/readyz`).
    pub async fn is_ready(&self) -> bool {
        sqlx::query("SELECT 1")
            .fetch_optional(&self.pool)
            .await
            .is_ok()
    }
}

async fn open_pool(
    backend: Backend,
    options: &AnyConnectOptions,
    max_connections: u32,
    writer: bool,
) -> sqlx::Result<AnyPool> {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers and one writer work at once (the CLI beside a running server);
                    // NORMAL sync in WAL mode survives a killed process, which is the promise we make.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    // After a checkpoint resets the WAL, shrink the file back instead of keeping its peak.
                    conn.execute("PRAGMA journal_size_limit = 16777216").await?;
                    if writer {
                        // A large import touches pages all over the indexes; with the default 2 MB
                        // cache they spill to the WAL and are read back (measured: 100,000
                        // messages took 26 s). The cache only grows as far as it is used.
                        conn.execute("PRAGMA cache_size = -65536").await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
}

/// Adds `mode=rwc` and creates the parent folder so a fresh checkout runs with no set-up.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let path_part = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path_part.split('?').next().unwrap_or_default();
    let parent = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| path != ":memory:") {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Hides a password in a URL before it is printed.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Milliseconds since the Unix epoch: the one time representation stored in the database.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads a boolean stored as a 0/1 integer.
pub fn flag(value: i64) -> bool {
    value != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("?mode=rwc"));
        assert!(dir.path().join("sub").is_dir());
        assert_eq!(
            prepare_sqlite_url("sqlite://a.db?mode=ro").unwrap(),
            "sqlite://a.db?mode=ro"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn unknown_backends_are_refused() {
        assert!(Backend::from_url("mysql://x").is_err());
        assert_eq!(
            Backend::from_url("postgresql://x").unwrap(),
            Backend::Postgres
        );
    }
}
