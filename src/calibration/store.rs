//! SQL for calibration sessions, their items, members, answers and notes. Portable across both
//! backends.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Answer, Item, Member, Selection, Status};
use crate::db::Db;
use crate::lab::Labels;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// A session as lists and pages show it.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub title: String,
    pub team_id: i64,
    pub team_name: String,
    pub created_by_name: String,
    pub selection: String,
    pub status: Status,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub n_items: i64,
    pub n_members: i64,
}

impl Session {
    pub fn is_open(&self) -> bool {
        self.status == Status::Open
    }
}

const SESSION_SELECT: &str = "SELECT s.id, s.title, s.team_id, t.name AS team_name,
    COALESCE(u.display_name, '') AS created_by_name, s.selection, s.status, s.created_at, s.closed_at,
    (SELECT COUNT(*) FROM calibration_items i WHERE i.session_id = s.id) AS n_items,
    (SELECT COUNT(*) FROM calibration_members m WHERE m.session_id = s.id) AS n_members
    FROM calibration_sessions s JOIN teams t ON t.id = s.team_id
    LEFT JOIN users u ON u.id = s.created_by";

fn session_from_row(r: &AnyRow) -> Result<Session> {
    let status: String = r.try_get("status")?;
    Ok(Session {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        team_id: r.try_get("team_id")?,
        team_name: r.try_get("team_name")?,
        created_by_name: r.try_get("created_by_name")?,
        selection: r.try_get("selection")?,
        status: Status::parse(&status),
        created_at: r.try_get("created_at")?,
        closed_at: r.try_get("closed_at")?,
        n_items: r.try_get("n_items")?,
        n_members: r.try_get("n_members")?,
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Session>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

/// Every session (admins and instructors), newest first.
pub async fn list_all(db: &Db) -> Result<Vec<Session>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} ORDER BY s.created_at DESC, s.id DESC"
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// Sessions of the teams `supervisor_id` supervises, newest first.
pub async fn list_for_supervisor(db: &Db, supervisor_id: i64) -> Result<Vec<Session>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.team_id IN
           (SELECT team_id FROM team_members WHERE user_id = $1 AND kind = 'supervisor')
         ORDER BY s.created_at DESC, s.id DESC"
    )))
    .bind(supervisor_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// Sessions a trainee is in, newest first, with how many items they have done (answered or skipped).
pub async fn list_for_trainee(db: &Db, user_id: i64) -> Result<Vec<(Session, i64)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM ({SESSION_SELECT}) x JOIN calibration_members cm ON cm.session_id = x.id
         WHERE cm.user_id = $1 ORDER BY x.created_at DESC, x.id DESC"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let done = done_counts(db, user_id).await?;
    rows.iter()
        .map(|r| {
            let s = session_from_row(r)?;
            let n = done.get(&s.id).copied().unwrap_or(0);
            Ok((s, n))
        })
        .collect()
}

async fn done_counts(db: &Db, user_id: i64) -> Result<HashMap<i64, i64>> {
    let rows = sqlx::query(
        "SELECT session_id, COUNT(*) AS n FROM calibration_answers WHERE user_id = $1 GROUP BY session_id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("session_id")?, r.try_get("n")?)))
        .collect()
}

/// Whether `user_id` supervises `team_id`.
pub async fn supervises(db: &Db, user_id: i64, team_id: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 FROM team_members WHERE user_id = $1 AND team_id = $2 AND kind = 'supervisor'",
    )
    .bind(user_id)
    .bind(team_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

pub async fn is_member(db: &Db, session_id: i64, user_id: i64) -> Result<bool> {
    let row =
        sqlx::query("SELECT 1 FROM calibration_members WHERE session_id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.is_some())
}

/// Distinct values of a message column (`lang` or `platform`) for the filter lists.
pub async fn corpus_values(db: &Db, column: &'static str) -> Result<Vec<String>> {
    let column = match column {
        "platform" => "platform",
        _ => "lang",
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT {column} AS v FROM messages ORDER BY v"
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| r.try_get("v")).collect()
}

/// The message ids a selection names: for ids, `Err` lists those the corpus does not have.
pub async fn select_messages(
    db: &Db,
    selection: &Selection,
) -> Result<std::result::Result<Vec<i64>, Vec<String>>> {
    match selection {
        Selection::Ids(ids) => {
            let mut found = Vec::new();
            let mut unknown = Vec::new();
            for external_id in ids {
                let row = sqlx::query("SELECT id FROM messages WHERE external_id = $1")
                    .bind(external_id)
                    .fetch_optional(&db.pool)
                    .await?;
                match row {
                    Some(r) => found.push(r.try_get("id")?),
                    None => unknown.push(external_id.clone()),
                }
            }
            Ok(if unknown.is_empty() {
                Ok(found)
            } else {
                Err(unknown)
            })
        }
        Selection::Filter(f) => {
            let rows = sqlx::query(
                "SELECT id FROM messages
                 WHERE ($1 = '' OR lang = $1) AND ($2 = '' OR platform = $2)
                   AND ($3 = '' OR gold_intent = $3) AND ($4 = '' OR split = $4)
                 ORDER BY random() LIMIT $5",
            )
            .bind(f.lang.clone().unwrap_or_default())
            .bind(f.platform.clone().unwrap_or_default())
            .bind(f.intent.clone().unwrap_or_default())
            .bind(f.split.clone().unwrap_or_default())
            .bind(f.count as i64)
            .fetch_all(&db.pool)
            .await?;
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_>>()?;
            Ok(Ok(ids))
        }
    }
}

pub struct NewSession<'a> {
    pub title: &'a str,
    pub team_id: i64,
    pub created_by: i64,
    pub selection: &'a str,
    pub message_ids: &'a [i64],
    pub member_ids: &'a [i64],
    pub created_at: i64,
}

/// Creates a session with its items (in the given order) and members, in one transaction.
pub async fn create(db: &Db, new: &NewSession<'_>) -> Result<i64> {
    let mut tx = db.writer.begin().await?;
    let row = sqlx::query(
        "INSERT INTO calibration_sessions (title, team_id, created_by, selection, status, created_at)
         VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
    )
    .bind(new.title)
    .bind(new.team_id)
    .bind(new.created_by)
    .bind(new.selection)
    .bind(new.created_at)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    for (i, message_id) in new.message_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO calibration_items (session_id, message_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(message_id)
        .bind(i as i64 + 1)
        .execute(&mut *tx)
        .await?;
    }
    for user_id in new.member_ids {
        sqlx::query("INSERT INTO calibration_members (session_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

const ITEM_SELECT: &str = "SELECT i.id, i.position, i.message_id, i.notes, m.external_id, m.text,
    m.lang, m.gold_intent, m.gold_emotion, m.gold_escalate
    FROM calibration_items i JOIN messages m ON m.id = i.message_id";

fn item_from_row(r: &AnyRow) -> Result<Item> {
    Ok(Item {
        id: r.try_get("id")?,
        position: r.try_get("position")?,
        message_id: r.try_get("message_id")?,
        external_id: r.try_get("external_id")?,
        text: r.try_get("text")?,
        lang: r.try_get("lang")?,
        gold: Labels {
            intent: r.try_get("gold_intent")?,
            emotion: r.try_get("gold_emotion")?,
            escalate: r
                .try_get::<Option<i64>, _>("gold_escalate")?
                .map(|v| v != 0),
        },
        notes: r.try_get("notes")?,
    })
}

/// A session's items in order.
pub async fn items(db: &Db, session_id: i64) -> Result<Vec<Item>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.session_id = $1 ORDER BY i.position"
    )))
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from_row).collect()
}

pub async fn item_at(db: &Db, session_id: i64, position: i64) -> Result<Option<Item>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.session_id = $1 AND i.position = $2"
    )))
    .bind(session_id)
    .bind(position)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(item_from_row).transpose()
}

/// A session's trainees, by name.
pub async fn members(db: &Db, session_id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM calibration_members cm JOIN users u ON u.id = cm.user_id
         WHERE cm.session_id = $1 ORDER BY u.display_name, u.id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: r.try_get("id")?,
                name: r.try_get("display_name")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

/// Every answer of a session, with when it was given.
pub async fn answers(db: &Db, session_id: i64) -> Result<Vec<(Answer, i64)>> {
    let rows = sqlx::query(
        "SELECT item_id, user_id, intent, emotion, escalate, answered_at FROM calibration_answers
         WHERE session_id = $1 ORDER BY item_id, user_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Answer {
                    item_id: r.try_get("item_id")?,
                    user_id: r.try_get("user_id")?,
                    given: Labels {
                        intent: r.try_get("intent")?,
                        emotion: r.try_get("emotion")?,
                        escalate: r.try_get::<Option<i64>, _>("escalate")?.map(|v| v != 0),
                    },
                },
                r.try_get("answered_at")?,
            ))
        })
        .collect()
}

/// Positions of the items one trainee has done (answered or skipped) in a session.
pub async fn done_positions(db: &Db, session_id: i64, user_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT i.position FROM calibration_answers a JOIN calibration_items i ON i.id = a.item_id
         WHERE a.session_id = $1 AND a.user_id = $2 ORDER BY i.position",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| r.try_get("position")).collect()
}

/// What became of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Stored,
    /// The trainee had answered this item already: the first answer stands.
    AlreadyAnswered,
    /// The session is closed: nothing is stored.
    Closed,
}

/// Stores a trainee's answer (`None` labels: skipped) once, and only while the session is open.
pub async fn answer(
    db: &Db,
    session_id: i64,
    item_id: i64,
    user_id: i64,
    given: &Labels,
    now: i64,
) -> Result<Stored> {
    // The WHERE keeps a closed session closed; ON CONFLICT makes a double submit count once.
    let done = sqlx::query(
        "INSERT INTO calibration_answers (session_id, item_id, user_id, intent, emotion, escalate, answered_at)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE EXISTS (SELECT 1 FROM calibration_sessions WHERE id = $1 AND status = 'open')
         ON CONFLICT (session_id, item_id, user_id) DO NOTHING",
    )
    .bind(session_id)
    .bind(item_id)
    .bind(user_id)
    .bind(given.intent.clone())
    .bind(given.emotion.clone())
    .bind(given.escalate.map(i64::from))
    .bind(now)
    .execute(&db.writer)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Stored::Stored);
    }
    let open = get(db, session_id).await?.is_some_and(|s| s.is_open());
    Ok(if open {
        Stored::AlreadyAnswered
    } else {
        Stored::Closed
    })
}

/// Closes an open session; false when it was closed already.
pub async fn close(db: &Db, session_id: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE calibration_sessions SET status = 'closed', closed_at = $2 WHERE id = $1 AND status = 'open'",
    )
    .bind(session_id)
    .bind(now)
    .execute(&db.writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves the discussion notes of one item; false when the item is not in the session.
pub async fn save_notes(
    db: &Db,
    session_id: i64,
    position: i64,
    notes: &str,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE calibration_items SET notes = $3, notes_by = $4, notes_at = $5
         WHERE session_id = $1 AND position = $2",
    )
    .bind(session_id)
    .bind(position)
    .bind(notes)
    .bind(by)
    .bind(now)
    .execute(&db.writer)
    .await?;
    Ok(done.rows_affected() == 1)
}
