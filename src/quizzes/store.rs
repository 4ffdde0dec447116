//! SQL for the question bank: categories, questions and their versions.

use std::collections::BTreeMap;

use sqlx::Row;

use super::gift::{Item, Question};
use crate::db::{Db, now_ms};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub inserted: usize,
    pub new_versions: usize,
    pub unchanged: usize,
}

/// A question of the bank with its current version.
#[derive(Clone, Debug)]
pub struct BankQuestion {
    pub id: i64,
    pub category: String,
    pub name: String,
    pub qtype: String,
    pub version: i64,
    pub updated_at: i64,
    pub body: Question,
}

/// Category for questions that come before any `$CATEGORY:` line and were given none.
pub const DEFAULT_CATEGORY: &str = "top/Default";

fn body_json(q: &Question) -> String {
    serde_json::to_string(q).unwrap_or_default()
}

fn parse_body(text: &str) -> Result<Question> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Stores the questions of parsed GIFT items in one transaction (a file is stored whole or not at
/// all). A question is identified by its category path and name: a new one is inserted, a changed
/// one gets a new version, an identical one is left alone.
pub async fn import_items(
    db: &Db,
    items: &[Item],
    source: &str,
    user_id: Option<i64>,
) -> Result<ImportStats> {
    let mut tx = db.writer.begin().await?;
    let mut stats = ImportStats::default();
    let now = now_ms();
    let mut category = DEFAULT_CATEGORY.to_string();
    let mut category_ids: BTreeMap<String, i64> = BTreeMap::new();
    for item in items {
        let q = match item {
            Item::Category { name } => {
                category = name.trim().trim_matches('/').to_string();
                continue;
            }
            Item::Question(q) => q,
        };
        let category_id = match category_ids.get(&category) {
            Some(id) => *id,
            None => {
                let id = category_id(&mut tx, &category, now).await?;
                category_ids.insert(category.clone(), id);
                id
            }
        };
        let body = body_json(q);
        let hash = crate::web::sha256_hex(&body);
        let existing = sqlx::query(
            "SELECT q.id, q.current_version, v.body_hash FROM questions q
             JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version
             WHERE q.category_id = $1 AND q.name = $2",
        )
        .bind(category_id)
        .bind(&q.name)
        .fetch_all(&mut *tx)
        .await?;
        let (question_id, version) = match existing.first() {
            Some(row) if row.try_get::<String, _>("body_hash")? == hash => {
                stats.unchanged += 1;
                continue;
            }
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                let version = row.try_get::<i64, _>("current_version")? + 1;
                sqlx::query(
                    "UPDATE questions SET current_version = $1, qtype = $2, updated_at = $3, source = $4 WHERE id = $5",
                )
                .bind(version)
                .bind(q.kind.type_name())
                .bind(now)
                .bind(source)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                stats.new_versions += 1;
                (id, version)
            }
            None => {
                let rows = sqlx::query(
                    "INSERT INTO questions (category_id, name, qtype, current_version, source, created_at, updated_at)
                     VALUES ($1, $2, $3, 1, $4, $5, $5) RETURNING id",
                )
                .bind(category_id)
                .bind(&q.name)
                .bind(q.kind.type_name())
                .bind(source)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
                let id: i64 = rows
                    .first()
                    .ok_or(sqlx::Error::RowNotFound)?
                    .try_get("id")?;
                stats.inserted += 1;
                (id, 1)
            }
        };
        sqlx::query(
            "INSERT INTO question_versions (question_id, version, body, body_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(question_id)
        .bind(version)
        .bind(&body)
        .bind(&hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(stats)
}

const CURRENT: &str =
    "SELECT q.id, c.path, q.name, q.qtype, q.current_version, q.updated_at, v.body
     FROM questions q JOIN question_categories c ON c.id = q.category_id
     JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version";

fn from_row(r: &sqlx::any::AnyRow) -> Result<BankQuestion> {
    Ok(BankQuestion {
        id: r.try_get("id")?,
        category: r.try_get("path")?,
        name: r.try_get("name")?,
        qtype: r.try_get("qtype")?,
        version: r.try_get("current_version")?,
        updated_at: r.try_get("updated_at")?,
        body: parse_body(&r.try_get::<String, _>("body")?)?,
    })
}

/// The current version of every question in `category` and below (all when empty), ordered by
/// category path and name.
pub async fn list(db: &Db, category: &str) -> Result<Vec<BankQuestion>> {
    let prefix = category.trim().trim_matches('/');
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CURRENT} WHERE $1 = '' OR c.path = $1 OR substr(c.path, 1, length($2)) = $2 ORDER BY c.path, q.name"
    )))
    .bind(prefix)
    .bind(format!("{prefix}/"))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<BankQuestion>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CURRENT} WHERE q.id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every version of a question, newest first: (version, created_at).
pub async fn versions(db: &Db, id: i64) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT version, created_at FROM question_versions WHERE question_id = $1 ORDER BY version DESC",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("version")?, r.try_get("created_at")?)))
        .collect()
}

/// Category paths with their number of questions.
pub async fn categories(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT c.path, COUNT(q.id) AS n FROM question_categories c LEFT JOIN questions q ON q.category_id = c.id
         GROUP BY c.path ORDER BY c.path",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("path")?, r.try_get("n")?)))
        .collect()
}

/// The questions of `category` and below as GIFT items: a `$CATEGORY:` line before each category's
/// questions, as Moodle exports them.
pub fn as_items(questions: &[BankQuestion]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current: Option<&str> = None;
    for q in questions {
        if current != Some(q.category.as_str()) {
            items.push(Item::Category {
                name: q.category.clone(),
            });
            current = Some(q.category.as_str());
        }
        items.push(Item::Question(q.body.clone()));
    }
    items
}

/// The id of the question named `name` in category `path`.
pub async fn id_by_name(db: &Db, path: &str, name: &str) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT q.id FROM questions q JOIN question_categories c ON c.id = q.category_id
         WHERE c.path = $1 AND q.name = $2",
    )
    .bind(path.trim().trim_matches('/'))
    .bind(name)
    .fetch_optional(&db.pool)
    .await
}

/// One stored version of a question (attempts keep the version they were given).
pub async fn version_body(db: &Db, question_id: i64, version: i64) -> Result<Option<Question>> {
    let body: Option<String> = sqlx::query_scalar(
        "SELECT body FROM question_versions WHERE question_id = $1 AND version = $2",
    )
    .bind(question_id)
    .bind(version)
    .fetch_optional(&db.pool)
    .await?;
    body.as_deref().map(parse_body).transpose()
}

/// What saving a question from the editor did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Created { id: i64 },
    NewVersion { id: i64, version: i64 },
    Unchanged { id: i64 },
}

/// Why the editor could not save a question.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("another question in that category has that name")]
    NameTaken,
    #[error("no such question")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

async fn category_id(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    path: &str,
    now: i64,
) -> Result<i64> {
    sqlx::query(
        "INSERT INTO question_categories (path, created_at) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING",
    )
    .bind(path)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar("SELECT id FROM question_categories WHERE path = $1")
        .bind(path)
        .fetch_one(&mut **tx)
        .await
}

/// Saves a question written in the browser, in one transaction. `id` None creates it (version
/// 1); otherwise a changed question (text, answers, name or category) gets a new version and the
/// versions attempts already use stay as they were. Moving or renaming onto another question's
/// (category, name) is refused.
pub async fn save_question(
    db: &Db,
    id: Option<i64>,
    category: &str,
    question: &Question,
    user_id: i64,
) -> std::result::Result<Saved, SaveError> {
    let category = category.trim().trim_matches('/');
    let body = body_json(question);
    let hash = crate::web::sha256_hex(&body);
    let now = now_ms();
    let mut tx = db.writer.begin().await?;
    let category_id = category_id(&mut tx, category, now).await?;
    let clash: Option<i64> =
        sqlx::query_scalar("SELECT id FROM questions WHERE category_id = $1 AND name = $2")
            .bind(category_id)
            .bind(&question.name)
            .fetch_optional(&mut *tx)
            .await?;
    if clash.is_some() && clash != id {
        return Err(SaveError::NameTaken);
    }
    let saved = match id {
        None => {
            let rows = sqlx::query(
                "INSERT INTO questions (category_id, name, qtype, current_version, source, created_at, updated_at)
                 VALUES ($1, $2, $3, 1, 'editor', $4, $4) RETURNING id",
            )
            .bind(category_id)
            .bind(&question.name)
            .bind(question.kind.type_name())
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            let id: i64 = rows
                .first()
                .ok_or(sqlx::Error::RowNotFound)?
                .try_get("id")?;
            Saved::Created { id }
        }
        Some(id) => {
            let row = sqlx::query(
                "SELECT q.category_id, q.current_version, v.body_hash FROM questions q
                 JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version
                 WHERE q.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(SaveError::NotFound)?;
            let same_place = row.try_get::<i64, _>("category_id")? == category_id;
            if same_place && row.try_get::<String, _>("body_hash")? == hash {
                return Ok(Saved::Unchanged { id });
            }
            let version = row.try_get::<i64, _>("current_version")? + 1;
            sqlx::query(
                "UPDATE questions SET category_id = $1, name = $2, qtype = $3, current_version = $4,
                 updated_at = $5, source = 'editor' WHERE id = $6",
            )
            .bind(category_id)
            .bind(&question.name)
            .bind(question.kind.type_name())
            .bind(version)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Saved::NewVersion { id, version }
        }
    };
    let (question_id, version) = match saved {
        Saved::Created { id } => (id, 1),
        Saved::NewVersion { id, version } => (id, version),
        Saved::Unchanged { id } => return Ok(Saved::Unchanged { id }),
    };
    sqlx::query(
        "INSERT INTO question_versions (question_id, version, body, body_hash, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(question_id)
    .bind(version)
    .bind(&body)
    .bind(&hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(saved)
}
