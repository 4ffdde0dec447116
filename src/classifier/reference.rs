//! The app's reference models, one per lab field, trained from the gold corpus. Each training is
//! evaluated on a held-out fifth of the gold messages (chosen by a hash of the message id, so the split
//! is stable) and the evaluation is stored.

use std::time::Instant;

use sqlx::Row;

use super::eval::{self, Evaluation};
use super::model::{self, DEFAULT_ALPHA, Model};
use crate::db::{Db, now_ms};
use crate::lab::store::GoldRow;

pub struct ReferenceModels {
    pub intent: Model,
    pub emotion: Model,
    pub escalate: Model,
    pub trained_at: i64,
}

pub struct FieldReport {
    pub field: &'static str,
    pub n_train: usize,
    pub n_test: usize,
    pub train_seconds: f64,
    pub evaluation: Evaluation,
}

fn held_out(external_id: &str) -> bool {
    crate::web::sha256_hex(external_id).as_bytes()[0].is_multiple_of(5)
}

/// Trains the three models (CPU-heavy: call from a blocking context) from gold rows
/// (external id, text, lang, intent, emotion, escalate).
pub fn train(gold: &[GoldRow]) -> anyhow::Result<(ReferenceModels, Vec<FieldReport>)> {
    let (test, train): (Vec<_>, Vec<_>) = gold.iter().partition(|g| held_out(&g.0));
    let mut reports = Vec::new();
    let mut fit =
        |field: &'static str, label: &dyn Fn(&GoldRow) -> &str| -> anyhow::Result<Model> {
            let started = Instant::now();
            let m = model::fit(
                train.iter().map(|g| (g.1.as_str(), label(g))),
                DEFAULT_ALPHA,
            )?;
            let train_seconds = started.elapsed().as_secs_f64();
            let rows: Vec<(String, String, String)> = test
                .iter()
                .map(|g| (label(g).to_string(), m.predict(&g.1).label, g.2.clone()))
                .collect();
            reports.push(FieldReport {
                field,
                n_train: train.len(),
                n_test: rows.len(),
                train_seconds,
                evaluation: eval::evaluate(&rows),
            });
            Ok(m)
        };
    let intent = fit("intent", &|g| &g.3)?;
    let emotion = fit("emotion", &|g| &g.4)?;
    let escalate = fit("escalate", &|g| if g.5 { "yes" } else { "no" })?;
    // Training freed far more than it keeps; hand it back to the system.
    crate::memory::release_free_heap();
    Ok((
        ReferenceModels {
            intent,
            emotion,
            escalate,
            trained_at: now_ms(),
        },
        reports,
    ))
}

pub async fn store_reports(
    db: &Db,
    reports: &[FieldReport],
    trained_by: Option<i64>,
) -> sqlx::Result<()> {
    for r in reports {
        sqlx::query(
            "INSERT INTO classifier_models (field, created_at, trained_by, n_train, n_test, accuracy, macro_f1, train_seconds, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(r.field)
        .bind(now_ms())
        .bind(trained_by)
        .bind(r.n_train as i64)
        .bind(r.n_test as i64)
        .bind(r.evaluation.accuracy)
        .bind(r.evaluation.macro_f1)
        .bind(r.train_seconds)
        .bind(serde_json::to_string(&r.evaluation).unwrap_or_default())
        .execute(&db.writer)
        .await?;
    }
    Ok(())
}

/// A stored evaluation.
pub struct StoredEvaluation {
    pub id: i64,
    pub field: String,
    pub created_at: i64,
    pub trained_by: Option<String>,
    pub n_train: i64,
    pub n_test: i64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub train_seconds: f64,
    pub evaluation: Option<Evaluation>,
}

/// The latest evaluations, newest first.
pub async fn evaluations(db: &Db, limit: i64) -> sqlx::Result<Vec<StoredEvaluation>> {
    let rows = sqlx::query(
        "SELECT c.id, c.field, c.created_at, u.display_name AS trained_by, c.n_train, c.n_test, c.accuracy, c.macro_f1,
         c.train_seconds, c.report FROM classifier_models c LEFT JOIN users u ON u.id = c.trained_by ORDER BY c.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let report: String = r.try_get("report")?;
            Ok(StoredEvaluation {
                id: r.try_get("id")?,
                field: r.try_get("field")?,
                created_at: r.try_get("created_at")?,
                trained_by: r.try_get("trained_by")?,
                n_train: r.try_get("n_train")?,
                n_test: r.try_get("n_test")?,
                accuracy: r.try_get("accuracy")?,
                macro_f1: r.try_get("macro_f1")?,
                train_seconds: r.try_get("train_seconds")?,
                evaluation: serde_json::from_str(&report).ok(),
            })
        })
        .collect()
}
