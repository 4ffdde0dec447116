//! SQL for accounts, sessions, teams and one-time password links. Portable across SQLite and PostgreSQL.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Role, Roles};
use crate::db::{Db, flag, now_ms};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// True when the error is a UNIQUE constraint violation (duplicate email, team name...).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.message().contains("UNIQUE")
                || db.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

/// Reads `RETURNING id` to completion (a dangling SQLite statement would block WAL checkpoints).
async fn returning_id<'e, E>(
    query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    exec: E,
) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = query.fetch_all(exec).await?;
    rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get("id")
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub has_password: bool,
    pub roles: Roles,
}

const USER_COLUMNS: &str = "id, email, display_name, locale, active, created_at, last_seen_at, password_hash IS NOT NULL AS has_password";

fn user_from_row(row: &AnyRow, roles: Roles) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        locale: row.try_get("locale")?,
        active: flag(row.try_get("active")?),
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        has_password: read_bool(row, "has_password")?,
        roles,
    })
}

/// A boolean expression comes back as a bool from PostgreSQL and as an integer from SQLite.
fn read_bool(row: &AnyRow, column: &str) -> Result<bool> {
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(_) => Ok(flag(row.try_get::<i64, _>(column)?)),
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub roles: &'a [Role],
    pub locale: Option<&'a str>,
}

/// Creates a user with their roles in one transaction. A duplicate email is a unique violation.
pub async fn create_user(db: &Db, new: &NewUser<'_>) -> Result<i64> {
    let mut tx = db.writer.begin().await?;
    let now = now_ms();
    let id = returning_id(
        sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, locale, active, created_at, password_changed_at)
             VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
        )
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.locale)
        .bind(now)
        .bind(new.password_hash.map(|_| now)),
        &mut *tx,
    )
    .await?;
    for role in new.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.key())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn count_users(db: &Db) -> Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

pub async fn roles_of(db: &Db, user_id: i64) -> Result<Roles> {
    let rows = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    let mut roles = Vec::new();
    for row in rows {
        let key: String = row.try_get("role")?;
        if let Ok(role) = Role::parse(&key) {
            roles.push(role);
        }
    }
    Ok(Roles::new(roles))
}

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(row) => Ok(Some(user_from_row(&row, roles_of(db, id).await?)?)),
        None => Ok(None),
    }
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<User>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    )))
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            Ok(Some(user_from_row(&row, roles_of(db, id).await?)?))
        }
        None => Ok(None),
    }
}

/// What login needs: the stored hash and whether the account may sign in.
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: Option<String>,
    pub active: bool,
}

pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(Credentials {
            user_id: row.try_get("id")?,
            password_hash: row.try_get("password_hash")?,
            active: flag(row.try_get("active")?),
        })
    })
    .transpose()
}

/// Users matching a case-insensitive search on email or name (empty: everyone), newest first.
pub async fn search_users(db: &Db, query: &str, limit: i64) -> Result<Vec<User>> {
    let pattern = format!("%{}%", escape_like(&query.trim().to_lowercase()));
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE lower(email) LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\'
         ORDER BY id DESC LIMIT $2"
    )))
    .bind(pattern)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        users.push(user_from_row(&row, roles_of(db, id).await?)?);
    }
    Ok(users)
}

/// Escapes LIKE wildcards so a search for "50%" means the text "50%".
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub async fn set_roles(db: &Db, user_id: i64, roles: &[Role]) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for role in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role.key())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn update_profile(
    db: &Db,
    user_id: i64,
    display_name: &str,
    locale: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE users SET display_name = $1, locale = $2 WHERE id = $3")
        .bind(display_name)
        .bind(locale)
        .bind(user_id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn set_locale(db: &Db, user_id: i64, locale: &str) -> Result<()> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(user_id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn stored_password_hash(db: &Db, user_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("password_hash")?,
        None => None,
    })
}

/// Sets a new password and revokes every session of the user, in one transaction.
pub async fn set_password_and_revoke_sessions(db: &Db, user_id: i64, hash: &str) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Activates or deactivates an account; deactivation also revokes its sessions. History is kept.
pub async fn set_active(db: &Db, user_id: i64, active: bool) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(active as i64)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

// ---- sessions ----

/// A live session joined with its user, as the session middleware needs it.
pub struct SessionRecord {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub active: bool,
}

pub async fn create_session(db: &Db, token_hash: &str, user_id: i64) -> Result<()> {
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .execute(&db.writer)
        .await?;
    sqlx::query("UPDATE users SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn load_session(db: &Db, token_hash: &str) -> Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.email, u.display_name, u.locale, u.active
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        Ok(SessionRecord {
            user_id: row.try_get("user_id")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            locale: row.try_get("locale")?,
            active: flag(row.try_get("active")?),
        })
    })
    .transpose()
}

pub async fn touch_session(db: &Db, token_hash: &str, user_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(&db.writer)
        .await?;
    sqlx::query("UPDATE users SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn count_sessions(db: &Db, user_id: i64) -> Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

/// Removes sessions idle or older than the limits (run now and then; expiry is also checked per request).
pub async fn purge_expired_sessions(db: &Db, idle_before: i64, created_before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(idle_before)
        .bind(created_before)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected())
}

// ---- teams ----

#[derive(Clone, Debug)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub supervisors: i64,
}

pub async fn create_team(db: &Db, name: &str) -> Result<i64> {
    returning_id(
        sqlx::query("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now_ms()),
        &db.writer,
    )
    .await
}

pub async fn team_id_by_name(db: &Db, name: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM teams WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| r.try_get("id")).transpose()
}

const TEAM_SELECT: &str = "SELECT t.id, t.name,
    CAST(COALESCE(SUM(CASE WHEN m.kind = 'member' THEN 1 ELSE 0 END), 0) AS BIGINT) AS members,
    CAST(COALESCE(SUM(CASE WHEN m.kind = 'supervisor' THEN 1 ELSE 0 END), 0) AS BIGINT) AS supervisors
    FROM teams t LEFT JOIN team_members m ON m.team_id = t.id";

fn team_from_row(row: &AnyRow) -> Result<Team> {
    Ok(Team {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        members: row.try_get("members")?,
        supervisors: row.try_get("supervisors")?,
    })
}

pub async fn list_teams(db: &Db) -> Result<Vec<Team>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{TEAM_SELECT} GROUP BY t.id, t.name ORDER BY t.name"
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(team_from_row).collect()
}

pub async fn team_by_id(db: &Db, id: i64) -> Result<Option<Team>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{TEAM_SELECT} WHERE t.id = $1 GROUP BY t.id, t.name"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(team_from_row).transpose()
}

/// Whether a user is a team's trainee member or its supervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    Member,
    Supervisor,
}

impl MemberKind {
    pub fn key(self) -> &'static str {
        match self {
            MemberKind::Member => "member",
            MemberKind::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<MemberKind> {
        match s {
            "member" => Some(MemberKind::Member),
            "supervisor" => Some(MemberKind::Supervisor),
            _ => None,
        }
    }
}

pub async fn add_team_member(db: &Db, team_id: i64, user_id: i64, kind: MemberKind) -> Result<()> {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, kind) VALUES ($1, $2, $3)
         ON CONFLICT (team_id, user_id, kind) DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(kind.key())
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub async fn remove_team_member(
    db: &Db,
    team_id: i64,
    user_id: i64,
    kind: MemberKind,
) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 AND kind = $3")
            .bind(team_id)
            .bind(user_id)
            .bind(kind.key())
            .execute(&db.writer)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// A person in a team listing.
#[derive(Clone, Debug)]
pub struct TeamPerson {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub last_seen_at: Option<i64>,
    pub team_id: i64,
    pub team_name: String,
    pub kind: MemberKind,
}

const PERSON_SELECT: &str =
    "SELECT u.id AS user_id, u.display_name, u.email, u.active, u.last_seen_at,
    t.id AS team_id, t.name AS team_name, m.kind
    FROM team_members m JOIN users u ON u.id = m.user_id JOIN teams t ON t.id = m.team_id";

fn person_from_row(row: &AnyRow) -> Result<TeamPerson> {
    let kind: String = row.try_get("kind")?;
    Ok(TeamPerson {
        user_id: row.try_get("user_id")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        active: flag(row.try_get("active")?),
        last_seen_at: row.try_get("last_seen_at")?,
        team_id: row.try_get("team_id")?,
        team_name: row.try_get("team_name")?,
        kind: MemberKind::parse(&kind).unwrap_or(MemberKind::Member),
    })
}

pub async fn team_people(db: &Db, team_id: i64) -> Result<Vec<TeamPerson>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{PERSON_SELECT} WHERE m.team_id = $1 ORDER BY m.kind DESC, u.display_name"
    )))
    .bind(team_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(person_from_row).collect()
}

/// The memberships of one user (both kinds).
pub async fn memberships_of(db: &Db, user_id: i64) -> Result<Vec<TeamPerson>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{PERSON_SELECT} WHERE m.user_id = $1 ORDER BY t.name"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(person_from_row).collect()
}

/// The trainees a supervisor may see: members of the teams they supervise, and no one else.
pub async fn trainees_supervised_by(db: &Db, supervisor_id: i64) -> Result<Vec<TeamPerson>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{PERSON_SELECT} WHERE m.kind = 'member' AND m.team_id IN
           (SELECT team_id FROM team_members WHERE user_id = $1 AND kind = 'supervisor')
         ORDER BY t.name, u.display_name"
    )))
    .bind(supervisor_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(person_from_row).collect()
}

/// The supervisors of the teams a trainee belongs to.
pub async fn supervisors_of(db: &Db, trainee_id: i64) -> Result<Vec<TeamPerson>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{PERSON_SELECT} WHERE m.kind = 'supervisor' AND m.team_id IN
           (SELECT team_id FROM team_members WHERE user_id = $1 AND kind = 'member')
         ORDER BY t.name, u.display_name"
    )))
    .bind(trainee_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(person_from_row).collect()
}

// ---- one-time password links (invitations and resets) ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    Invite,
    Reset,
}

impl TokenPurpose {
    pub fn key(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
        }
    }
}

pub async fn create_password_token(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    purpose: TokenPurpose,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose.key())
    .bind(now_ms())
    .bind(expires_at)
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// A usable (unused, unexpired) token's user.
pub async fn usable_password_token(db: &Db, token_hash: &str) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT user_id FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| r.try_get("user_id")).transpose()
}

/// Uses a token exactly once: marks it used, sets the password, revokes sessions. False if already used.
pub async fn redeem_password_token(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    hash: &str,
) -> Result<bool> {
    let mut tx = db.writer.begin().await?;
    let now = now_ms();
    let claimed = sqlx::query(
        "UPDATE password_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

// ---- settings and audit ----

/// Returns the stored value of a setting, storing `candidate` first if there is none. Safe when several
/// instances start at once: the first insert wins and everybody reads the same value.
pub async fn setting_or_init(db: &Db, key: &str, candidate: &str) -> Result<String> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(candidate)
        .execute(&db.writer)
        .await?;
    sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await?
        .try_get("value")
}

pub async fn set_setting(db: &Db, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
        .bind(key)
        .bind(value)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn setting(db: &Db, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| r.try_get("value")).transpose()
}

pub async fn delete_setting(db: &Db, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub async fn audit(db: &Db, actor_id: Option<i64>, action: &str, subject: &str) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (actor_id, action, subject, at) VALUES ($1, $2, $3, $4)")
        .bind(actor_id)
        .bind(action)
        .bind(subject)
        .bind(now_ms())
        .execute(&db.writer)
        .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    pub at: i64,
}

pub async fn recent_audit(db: &Db, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT u.display_name AS actor, a.action, a.subject, a.at FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Deletes a setting only if it still has `value`: lets exactly one of several racing requests
/// claim a one-time value (the setup token).
pub async fn take_setting(db: &Db, key: &str, value: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM settings WHERE key = $1 AND value = $2")
        .bind(key)
        .bind(value)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Active users per role, for the admin overview.
pub async fn active_users_per_role(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT r.role, COUNT(*) AS n FROM user_roles r JOIN users u ON u.id = r.user_id
         WHERE u.active = 1 GROUP BY r.role ORDER BY r.role",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("role")?, r.try_get("n")?)))
        .collect()
}
