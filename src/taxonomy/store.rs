//! SQL for the taxonomy.

use sqlx::Row;

use super::{Label, LabelKind};
use crate::db::Db;
use crate::db::cache::{self, Topic};

/// Inserts new labels and refreshes texts of existing ones; labels added in the app are kept.
pub async fn upsert(db: &Db, labels: &[Label]) -> sqlx::Result<()> {
    let mut tx = db.writer.begin().await?;
    for (position, l) in labels.iter().enumerate() {
        sqlx::query(
            "INSERT INTO taxonomy_labels (kind, key, label_en, label_zh, definition_en, definition_zh, position, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
             ON CONFLICT (kind, key) DO UPDATE SET label_en = $3, label_zh = $4, definition_en = $5,
                 definition_zh = $6, position = $7",
        )
        .bind(l.kind.key())
        .bind(&l.key)
        .bind(&l.label_en)
        .bind(&l.label_zh)
        .bind(&l.definition_en)
        .bind(&l.definition_zh)
        .bind(position as i64)
        .execute(&mut *tx)
        .await?;
    }
    cache::bump(&mut *tx, Topic::Taxonomy).await?;
    tx.commit().await
}

pub async fn list(db: &Db, kind: LabelKind) -> sqlx::Result<Vec<Label>> {
    let rows = sqlx::query(
        "SELECT key, label_en, label_zh, definition_en, definition_zh FROM taxonomy_labels
         WHERE kind = $1 AND active = 1 ORDER BY position, key",
    )
    .bind(kind.key())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Label {
                kind,
                key: r.try_get("key")?,
                label_en: r.try_get("label_en")?,
                label_zh: r.try_get("label_zh")?,
                definition_en: r.try_get("definition_en")?,
                definition_zh: r.try_get("definition_zh")?,
            })
        })
        .collect()
}

/// Adds an intent or emotion at the end of its list. A duplicate key is a unique violation.
pub async fn add(db: &Db, label: &Label) -> sqlx::Result<()> {
    let mut tx = db.writer.begin().await?;
    sqlx::query(
        "INSERT INTO taxonomy_labels (kind, key, label_en, label_zh, definition_en, definition_zh, position, active)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(position), -1) + 1 FROM taxonomy_labels WHERE kind = $1), 1)",
    )
    .bind(label.kind.key())
    .bind(&label.key)
    .bind(&label.label_en)
    .bind(&label.label_zh)
    .bind(&label.definition_en)
    .bind(&label.definition_zh)
    .execute(&mut *tx)
    .await?;
    cache::bump(&mut *tx, Topic::Taxonomy).await?;
    tx.commit().await
}
