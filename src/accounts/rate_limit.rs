//! Login rate limiting, kept in the database so that every app instance sees the same counts.
//!
//! Failed sign-ins are recorded per account (email) and per client address. Within a sliding window,
//! too many failures for either key block further attempts until the oldest failure leaves the window.

use sqlx::{AssertSqlSafe, Row};

use crate::db::{Db, now_ms};

#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub window_ms: i64,
    pub per_account: i64,
    pub per_client: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_ms: 15 * 60 * 1000,
            per_account: 5,
            per_client: 20,
        }
    }
}

/// Why a sign-in attempt is refused before the password is even checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    Account { retry_after_secs: i64 },
    Client { retry_after_secs: i64 },
}

impl Blocked {
    pub fn retry_after_secs(self) -> i64 {
        match self {
            Blocked::Account { retry_after_secs } | Blocked::Client { retry_after_secs } => {
                retry_after_secs
            }
        }
    }
}

/// Seconds until the count of failures since `window_start` drops below `limit`, or None if under it.
/// `times` are the failure times inside the window, oldest first.
pub fn retry_after(times: &[i64], limit: i64, window_ms: i64, now: i64) -> Option<i64> {
    if (times.len() as i64) < limit {
        return None;
    }
    // The attempt becomes possible when enough of the oldest failures have aged out.
    let release_index = times.len() - limit as usize;
    let release_at = times[release_index] + window_ms;
    Some(((release_at - now).max(0) + 999) / 1000)
}

async fn failure_times(db: &Db, column: &str, key: &str, since: i64) -> sqlx::Result<Vec<i64>> {
    let sql = format!("SELECT at FROM login_failures WHERE {column} = $1 AND at > $2 ORDER BY at");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(key)
        .bind(since)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| r.try_get("at")).collect()
}

/// Checks whether this account or this client is currently blocked.
pub async fn check(
    db: &Db,
    limits: &LoginLimits,
    account: &str,
    client: &str,
) -> sqlx::Result<Option<Blocked>> {
    let now = now_ms();
    let since = now - limits.window_ms;
    let by_account = failure_times(db, "account", account, since).await?;
    if let Some(secs) = retry_after(&by_account, limits.per_account, limits.window_ms, now) {
        return Ok(Some(Blocked::Account {
            retry_after_secs: secs,
        }));
    }
    let by_client = failure_times(db, "client", client, since).await?;
    if let Some(secs) = retry_after(&by_client, limits.per_client, limits.window_ms, now) {
        return Ok(Some(Blocked::Client {
            retry_after_secs: secs,
        }));
    }
    Ok(None)
}

pub async fn record_failure(
    db: &Db,
    limits: &LoginLimits,
    account: &str,
    client: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query("INSERT INTO login_failures (account, client, at) VALUES ($1, $2, $3)")
        .bind(account)
        .bind(client)
        .bind(now)
        .execute(&db.writer)
        .await?;
    // Old rows are useless; dropping them here keeps the table small without a background job.
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(now - limits.window_ms)
        .execute(&db.writer)
        .await?;
    Ok(())
}

/// A successful sign-in clears the account's failures (not the client's: one good password must not
/// reset a brute-force counter for the whole address).
pub async fn clear_account(db: &Db, account: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE account = $1")
        .bind(account)
        .execute(&db.writer)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::retry_after;

    #[test]
    fn under_the_limit_is_allowed() {
        assert_eq!(retry_after(&[1, 2, 3, 4], 5, 1000, 10), None);
    }

    #[test]
    fn at_the_limit_waits_for_the_oldest_to_age_out() {
        // Five failures at t=0..4 s, window 60 s, now 10 s: the first leaves the window at 60 s.
        let times = [0, 1000, 2000, 3000, 4000];
        assert_eq!(retry_after(&times, 5, 60_000, 10_000), Some(50));
        // Seven failures: the third must age out for the count to drop below five.
        let times = [0, 1000, 2000, 3000, 4000, 5000, 6000];
        assert_eq!(retry_after(&times, 5, 60_000, 10_000), Some(52));
    }
}
