//! Past lab answers written in bulk, with their own times: the demo's simulated history, the
//! dashboard benchmark and tests. Each answer is graded by the lab's own `grade` against its
//! reference, exactly as `lab::store::insert_answer` grades a live one.

use crate::db::Db;
use crate::lab::{Fields, Labels, grade};

/// An answer given at a known moment.
#[derive(Clone, Debug)]
pub struct PastLabAnswer {
    pub user_id: i64,
    pub message_id: i64,
    pub fields: Fields,
    pub given: Labels,
    /// The gold reference (these answers are on gold messages).
    pub reference: Labels,
    pub classifier_intent: Option<String>,
    pub millis: i64,
    pub answered_at: i64,
}

/// Rows per INSERT statement: 200 × 18 parameters stays far below both backends' limits.
const BATCH: usize = 200;

fn b(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

/// Inserts the answers in one transaction, `BATCH` rows per statement. Returns the number stored.
pub async fn insert(db: &Db, answers: &[PastLabAnswer]) -> sqlx::Result<usize> {
    let mut tx = db.writer.begin().await?;
    for chunk in answers.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO lab_answers (user_id, message_id, fields, given_intent, given_emotion, given_escalate,
             ref_source, ref_intent, ref_emotion, ref_escalate, intent_correct, emotion_correct, escalate_correct,
             correct, classifier_intent, millis, answered_at, classifier_confidence) VALUES ",
        );
        for i in 0..chunk.len() {
            let base = i * 17;
            let params: Vec<String> = (1..=17).map(|k| format!("${}", base + k)).collect();
            if i > 0 {
                sql.push(',');
            }
            // The confidence is left NULL: no Option<f64> is bound (see insert_answer on sqlx Any).
            sql.push_str(&format!("({}, NULL)", params.join(", ")));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            let g = grade(&a.given, &a.reference, a.fields);
            q = q
                .bind(a.user_id)
                .bind(a.message_id)
                .bind(a.fields.key())
                .bind(a.given.intent.clone())
                .bind(a.given.emotion.clone())
                .bind(b(a.given.escalate))
                .bind("gold")
                .bind(a.reference.intent.clone())
                .bind(a.reference.emotion.clone())
                .bind(b(a.reference.escalate))
                .bind(b(g.intent))
                .bind(b(g.emotion))
                .bind(b(g.escalate))
                .bind(b(g.overall(a.fields)))
                .bind(a.classifier_intent.clone())
                .bind(a.millis)
                .bind(a.answered_at);
        }
        q.persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(answers.len())
}
