//! SQL for the lab: messages, answers, flags and the review queue.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::corpus::CorpusMessage;
use super::queue::{Candidate, PastAnswer};
use super::{Fields, Grade, Labels, grade};
use crate::db::cache::{self, Topic};
use crate::db::{Db, now_ms};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub external_id: String,
    pub text: String,
    pub lang: String,
    pub platform: String,
    pub context: Vec<(bool, String)>,
    pub gold: Labels,
    pub rationale_en: String,
    pub rationale_zh: String,
    pub split: String,
}

impl Message {
    pub fn has_gold(&self) -> bool {
        self.gold.intent.is_some()
    }
}

fn opt_bool(row: &AnyRow, col: &str) -> Result<Option<bool>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
}

const MESSAGE_COLUMNS: &str =
    "id, external_id, text, lang, platform, context, gold_intent, gold_emotion, gold_escalate,
    rationale_en, rationale_zh, split";

fn message_from_row(r: &AnyRow) -> Result<Message> {
    let context: String = r.try_get("context")?;
    let turns: Vec<serde_json::Value> = serde_json::from_str(&context).unwrap_or_default();
    Ok(Message {
        id: r.try_get("id")?,
        external_id: r.try_get("external_id")?,
        text: r.try_get("text")?,
        lang: r.try_get("lang")?,
        platform: r.try_get("platform")?,
        context: turns
            .iter()
            .map(|t| {
                (
                    t["from"] == "seller",
                    t["text"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        gold: Labels {
            intent: r.try_get("gold_intent")?,
            emotion: r.try_get("gold_emotion")?,
            escalate: opt_bool(r, "gold_escalate")?,
        },
        rationale_en: r.try_get("rationale_en")?,
        rationale_zh: r.try_get("rationale_zh")?,
        split: r.try_get("split")?,
    })
}

/// What an import or load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpsertStats {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn content_hash(m: &CorpusMessage) -> String {
    crate::web::sha256_hex(&format!("{m:?}"))
}

/// Inserts new messages and updates changed ones (by external id), in one transaction.
pub async fn upsert_messages(
    db: &Db,
    source: &str,
    messages: &[CorpusMessage],
) -> Result<UpsertStats> {
    upsert_messages_with_progress(db, source, messages, &mut |_| {}).await
}

/// Messages looked up per query, and inserted per statement (64 rows × 15 columns stays far
/// below SQLite's and PostgreSQL's parameter limits). Batching matters: each statement is a round
/// trip to the database thread or server, and one per message made 100,000 messages take 27 s.
const LOOKUP_CHUNK: usize = 500;
const INSERT_ROWS: usize = 64;
const INSERT_COLUMNS: [&str; 15] = [
    "external_id",
    "text",
    "lang",
    "platform",
    "context",
    "gold_intent",
    "gold_emotion",
    "gold_escalate",
    "rationale_en",
    "rationale_zh",
    "split",
    "hard",
    "source",
    "content_hash",
    "created_at",
];

fn context_json(m: &CorpusMessage) -> String {
    serde_json::to_string(
        &m.context
            .iter()
            .map(|t| serde_json::json!({"from": t.from, "text": t.text}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into())
}

/// The columns of a message that an import writes, after `external_id` and before `created_at`,
/// in `INSERT_COLUMNS` order: bound the same way by inserts and updates.
const CONTENT_COLUMNS: std::ops::Range<usize> = 1..14;

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_content<'q>(
    query: AnyQuery<'q>,
    m: &'q CorpusMessage,
    source: &'q str,
    hash: &'q str,
) -> AnyQuery<'q> {
    query
        .bind(&m.text)
        .bind(&m.lang)
        .bind(&m.platform)
        .bind(context_json(m))
        .bind(&m.intent)
        .bind(&m.emotion)
        .bind(m.escalate.map(|b| b as i64))
        .bind(&m.rationale.en)
        .bind(&m.rationale.zh)
        .bind(&m.split)
        .bind(m.hard as i64)
        .bind(source)
        .bind(hash)
}

/// `UPDATE messages SET text = $1, … content_hash = $13 WHERE external_id = $14`.
fn update_sql() -> String {
    let set: Vec<String> = INSERT_COLUMNS[CONTENT_COLUMNS]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE messages SET {} WHERE external_id = ${}",
        set.join(", "),
        CONTENT_COLUMNS.len() + 1
    )
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts `batch` (message, content hash) with one multi-row statement.
async fn insert_batch(
    tx: &mut sqlx::AnyConnection,
    source: &str,
    batch: &[(&CorpusMessage, String)],
    now: i64,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let n = INSERT_COLUMNS.len();
    let rows: Vec<String> = (0..batch.len())
        .map(|r| format!("({})", placeholders(r * n + 1, n)))
        .collect();
    let sql = format!(
        "INSERT INTO messages ({}) VALUES {}",
        INSERT_COLUMNS.join(", "),
        rows.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (m, hash) in batch {
        query = bind_content(query.bind(&m.id), m, source, hash).bind(now);
    }
    query.execute(&mut *tx).await?;
    Ok(())
}

/// As `upsert_messages`, calling `progress` with the number of messages done so far.
pub async fn upsert_messages_with_progress(
    db: &Db,
    source: &str,
    messages: &[CorpusMessage],
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<UpsertStats> {
    let mut tx = db.writer.begin().await?;
    let mut stats = UpsertStats::default();
    let now = now_ms();
    // Content hash by external id: what the database has, plus what this import wrote (an id may
    // repeat within one import; the later line wins, as it did line by line).
    let mut known: std::collections::HashMap<&str, String> = Default::default();
    for (done, chunk) in messages.chunks(LOOKUP_CHUNK).enumerate() {
        let sql = format!(
            "SELECT external_id, content_hash FROM messages WHERE external_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut lookup = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            lookup = lookup.bind(&m.id);
        }
        let rows = lookup.fetch_all(&mut *tx).await?;
        let ids: std::collections::HashSet<&str> = chunk.iter().map(|m| m.id.as_str()).collect();
        for r in &rows {
            let id: String = r.try_get("external_id")?;
            if let Some(id) = ids.get(id.as_str()) {
                known.insert(id, r.try_get("content_hash")?);
            }
        }
        let mut batch: Vec<(&CorpusMessage, String)> = Vec::with_capacity(INSERT_ROWS);
        for m in chunk {
            let hash = content_hash(m);
            match known.get(m.id.as_str()) {
                Some(old) if *old == hash => stats.unchanged += 1,
                Some(_) => {
                    // The earlier version may still be in the batch: write it first.
                    insert_batch(&mut tx, source, &batch, now).await?;
                    batch.clear();
                    bind_content(
                        sqlx::query(sqlx::AssertSqlSafe(update_sql())),
                        m,
                        source,
                        &hash,
                    )
                    .bind(&m.id)
                    .execute(&mut *tx)
                    .await?;
                    known.insert(m.id.as_str(), hash);
                    stats.updated += 1;
                }
                None => {
                    known.insert(m.id.as_str(), hash.clone());
                    batch.push((m, hash));
                    stats.inserted += 1;
                    if batch.len() == INSERT_ROWS {
                        insert_batch(&mut tx, source, &batch, now).await?;
                        batch.clear();
                    }
                }
            }
        }
        insert_batch(&mut tx, source, &batch, now).await?;
        progress((done * LOOKUP_CHUNK + chunk.len()).min(messages.len()));
    }
    if stats.inserted + stats.updated > 0 {
        cache::bump(&mut *tx, Topic::Corpus).await?;
    }
    tx.commit().await?;
    progress(messages.len());
    Ok(stats)
}

/// The corpus in the JSONL schema of `content/datasets` (one JSON object per message).
pub async fn export_messages(db: &Db) -> Result<Vec<serde_json::Value>> {
    let rows = sqlx::query(
        "SELECT external_id, text, lang, platform, context, gold_intent, gold_emotion, gold_escalate, rationale_en,
         rationale_zh, split, hard FROM messages ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let context: String = r.try_get("context")?;
            let mut m = serde_json::json!({
                "id": r.try_get::<String, _>("external_id")?,
                "text": r.try_get::<String, _>("text")?,
                "lang": r.try_get::<String, _>("lang")?,
                "platform": r.try_get::<String, _>("platform")?,
                "context": serde_json::from_str::<serde_json::Value>(&context).unwrap_or_default(),
                "rationale": {"en": r.try_get::<String, _>("rationale_en")?, "zh-CN": r.try_get::<String, _>("rationale_zh")?},
                "split": r.try_get::<String, _>("split")?,
                "hard": r.try_get::<i64, _>("hard")? != 0,
            });
            if let Some(i) = r.try_get::<Option<String>, _>("gold_intent")? {
                m["intent"] = i.into();
            }
            if let Some(e) = r.try_get::<Option<String>, _>("gold_emotion")? {
                m["emotion"] = e.into();
            }
            if let Some(x) = opt_bool(r, "gold_escalate")? {
                m["escalate"] = x.into();
            }
            Ok(m)
        })
        .collect()
}

/// One row of the answers export.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AnswerExport {
    pub id: i64,
    pub trainee: String,
    pub message_id: String,
    pub fields: String,
    pub given_intent: Option<String>,
    pub given_emotion: Option<String>,
    pub given_escalate: Option<bool>,
    pub reference_source: String,
    pub reference_intent: Option<String>,
    pub reference_emotion: Option<String>,
    pub reference_escalate: Option<bool>,
    pub correct: Option<bool>,
    pub seconds: f64,
    pub answered_at: String,
}

pub const ANSWER_EXPORT_COLUMNS: [&str; 14] = [
    "id",
    "trainee",
    "message_id",
    "fields",
    "given_intent",
    "given_emotion",
    "given_escalate",
    "reference_source",
    "reference_intent",
    "reference_emotion",
    "reference_escalate",
    "correct",
    "seconds",
    "answered_at",
];

impl AnswerExport {
    pub fn csv_fields(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let b = |v: &Option<bool>| {
            v.map(|x| if x { "yes" } else { "no" }.to_string())
                .unwrap_or_default()
        };
        vec![
            self.id.to_string(),
            self.trainee.clone(),
            self.message_id.clone(),
            self.fields.clone(),
            o(&self.given_intent),
            o(&self.given_emotion),
            b(&self.given_escalate),
            self.reference_source.clone(),
            o(&self.reference_intent),
            o(&self.reference_emotion),
            b(&self.reference_escalate),
            b(&self.correct),
            format!("{:.1}", self.seconds),
            self.answered_at.clone(),
        ]
    }
}

/// Every lab answer with its trainee and message, oldest first.
pub async fn export_answers(db: &Db) -> Result<Vec<AnswerExport>> {
    let rows = sqlx::query(
        "SELECT a.id, u.email, m.external_id, a.fields, a.given_intent, a.given_emotion, a.given_escalate, a.ref_source,
         a.ref_intent, a.ref_emotion, a.ref_escalate, a.correct, a.millis, a.answered_at
         FROM lab_answers a JOIN users u ON u.id = a.user_id JOIN messages m ON m.id = a.message_id ORDER BY a.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AnswerExport {
                id: r.try_get("id")?,
                trainee: r.try_get("email")?,
                message_id: r.try_get("external_id")?,
                fields: r.try_get("fields")?,
                given_intent: r.try_get("given_intent")?,
                given_emotion: r.try_get("given_emotion")?,
                given_escalate: opt_bool(r, "given_escalate")?,
                reference_source: r.try_get("ref_source")?,
                reference_intent: r.try_get("ref_intent")?,
                reference_emotion: r.try_get("ref_emotion")?,
                reference_escalate: opt_bool(r, "ref_escalate")?,
                correct: opt_bool(r, "correct")?,
                seconds: r.try_get::<i64, _>("millis")? as f64 / 1000.0,
                answered_at: crate::web::page::format_iso(r.try_get("answered_at")?),
            })
        })
        .collect()
}

/// The corpus as CSV lines (header first), the import's CSV columns.
pub fn messages_csv(messages: &[serde_json::Value]) -> String {
    let columns = [
        "id",
        "text",
        "lang",
        "platform",
        "intent",
        "emotion",
        "escalate",
        "rationale_en",
        "rationale_zh",
        "split",
        "hard",
    ];
    let mut out = crate::csv::line(&columns);
    out.push_str("\r\n");
    for m in messages {
        let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
        let escalate = match m["escalate"].as_bool() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        let fields = [
            s("id"),
            s("text"),
            s("lang"),
            s("platform"),
            s("intent"),
            s("emotion"),
            escalate.to_string(),
            m["rationale"]["en"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            m["rationale"]["zh-CN"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            s("split"),
            if m["hard"].as_bool() == Some(true) {
                "1".into()
            } else {
                "0".into()
            },
        ];
        out.push_str(&crate::csv::line(&fields));
        out.push_str("\r\n");
    }
    out
}

pub async fn message_by_id(db: &Db, id: i64) -> Result<Option<Message>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(message_from_row).transpose()
}

/// A gold-labeled message for training: (external id, text, lang, intent, emotion, escalate).
pub type GoldRow = (String, String, String, String, String, bool);

/// Streams the rows instead of collecting them first: a 100,000-message corpus as driver rows takes
/// several times the memory of the texts themselves, and training at start should not peak on it.
pub async fn gold_messages(db: &Db) -> Result<Vec<GoldRow>> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT external_id, text, lang, gold_intent, gold_emotion, gold_escalate FROM messages
         WHERE gold_intent IS NOT NULL AND gold_emotion IS NOT NULL AND gold_escalate IS NOT NULL ORDER BY id",
    )
    .fetch(&db.pool);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push((
            r.try_get("external_id")?,
            r.try_get("text")?,
            r.try_get("lang")?,
            r.try_get("gold_intent")?,
            r.try_get("gold_emotion")?,
            r.try_get::<i64, _>("gold_escalate")? != 0,
        ));
    }
    Ok(out)
}

/// Practice messages for the queue (exam messages are never practice).
pub async fn practice_candidates(db: &Db) -> Result<Vec<Candidate>> {
    let rows = sqlx::query("SELECT id, gold_intent, lang FROM messages WHERE split = 'practice'")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                id: r.try_get("id")?,
                intent: r
                    .try_get::<Option<String>, _>("gold_intent")?
                    .unwrap_or_default(),
                lang: r.try_get("lang")?,
            })
        })
        .collect()
}

/// The trainee's recent answers, newest first.
pub async fn history(db: &Db, user_id: i64, limit: i64) -> Result<Vec<PastAnswer>> {
    let rows = sqlx::query(
        "SELECT a.message_id, COALESCE(a.ref_intent, m.gold_intent, '') AS intent, m.lang, a.correct, a.answered_at
         FROM lab_answers a JOIN messages m ON m.id = a.message_id WHERE a.user_id = $1
         ORDER BY a.answered_at DESC, a.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PastAnswer {
                message_id: r.try_get("message_id")?,
                intent: r.try_get("intent")?,
                lang: r.try_get("lang")?,
                correct: opt_bool(r, "correct")?,
                answered_at: r.try_get("answered_at")?,
            })
        })
        .collect()
}

/// One stored answer with the reference it was graded against.
#[derive(Clone, Debug)]
pub struct Answer {
    pub id: i64,
    pub user_id: i64,
    pub message_id: i64,
    pub fields: Fields,
    pub given: Labels,
    pub ref_source: String,
    pub reference: Labels,
    pub grade: Grade,
    pub correct: Option<bool>,
    pub classifier_intent: Option<String>,
    pub classifier_confidence: Option<f64>,
    pub millis: i64,
    pub answered_at: i64,
}

const ANSWER_COLUMNS: &str = "id, user_id, message_id, fields, given_intent, given_emotion, given_escalate, ref_source,
    ref_intent, ref_emotion, ref_escalate, intent_correct, emotion_correct, escalate_correct, correct, classifier_intent,
    classifier_confidence, millis, answered_at";

fn answer_from_row(r: &AnyRow) -> Result<Answer> {
    let fields: String = r.try_get("fields")?;
    Ok(Answer {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        message_id: r.try_get("message_id")?,
        fields: Fields::from_key(&fields),
        given: Labels {
            intent: r.try_get("given_intent")?,
            emotion: r.try_get("given_emotion")?,
            escalate: opt_bool(r, "given_escalate")?,
        },
        ref_source: r.try_get("ref_source")?,
        reference: Labels {
            intent: r.try_get("ref_intent")?,
            emotion: r.try_get("ref_emotion")?,
            escalate: opt_bool(r, "ref_escalate")?,
        },
        grade: Grade {
            intent: opt_bool(r, "intent_correct")?,
            emotion: opt_bool(r, "emotion_correct")?,
            escalate: opt_bool(r, "escalate_correct")?,
        },
        correct: opt_bool(r, "correct")?,
        classifier_intent: r.try_get("classifier_intent")?,
        classifier_confidence: r.try_get("classifier_confidence")?,
        millis: r.try_get("millis")?,
        answered_at: r.try_get("answered_at")?,
    })
}

pub struct NewAnswer<'a> {
    pub user_id: i64,
    pub message_id: i64,
    pub fields: Fields,
    pub given: &'a Labels,
    pub ref_source: &'a str,
    pub reference: &'a Labels,
    pub classifier: Option<(&'a str, f64)>,
    pub millis: i64,
}

fn b(v: Option<bool>) -> Option<i64> {
    v.map(|x| x as i64)
}

/// Stores an answer (committed before the trainee sees feedback: an acknowledged answer is kept).
pub async fn insert_answer(db: &Db, a: &NewAnswer<'_>) -> Result<i64> {
    let g = grade(a.given, a.reference, a.fields);
    let rows = sqlx::query(
        "INSERT INTO lab_answers (user_id, message_id, fields, given_intent, given_emotion, given_escalate, ref_source,
         ref_intent, ref_emotion, ref_escalate, intent_correct, emotion_correct, escalate_correct, correct,
         classifier_intent, classifier_confidence, millis, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(a.user_id)
    .bind(a.message_id)
    .bind(a.fields.key())
    .bind(&a.given.intent)
    .bind(&a.given.emotion)
    .bind(b(a.given.escalate))
    .bind(a.ref_source)
    .bind(&a.reference.intent)
    .bind(&a.reference.emotion)
    .bind(b(a.reference.escalate))
    .bind(b(g.intent))
    .bind(b(g.emotion))
    .bind(b(g.escalate))
    .bind(b(g.overall(a.fields)))
    .bind(a.classifier.map(|c| c.0))
    .bind(a.classifier.map(|c| c.1))
    .bind(a.millis)
    .bind(now_ms())
    // Not cached: sqlx's Any driver declares a NULL f64 as float4 on PostgreSQL, and a cached
    // statement first run with no classifier would then refuse a confidence (8-byte float).
    .persistent(false)
    .fetch_all(&db.writer)
    .await?;
    rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get("id")
}

pub async fn answer_by_id(db: &Db, id: i64) -> Result<Option<Answer>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM lab_answers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(answer_from_row).transpose()
}

/// When an answer was given, how long it took and whether it was right: what session statistics
/// need, without the labels.
pub struct Timing {
    pub answered_at: i64,
    pub millis: i64,
    pub correct: Option<bool>,
}

impl Timing {
    pub fn of(a: &Answer) -> Timing {
        Timing {
            answered_at: a.answered_at,
            millis: a.millis,
            correct: a.correct,
        }
    }
}

/// A user's answer timings since a time, oldest first.
pub async fn timings_since(db: &Db, user_id: i64, since: i64) -> Result<Vec<Timing>> {
    let rows = sqlx::query(
        "SELECT answered_at, millis, correct FROM lab_answers WHERE user_id = $1 AND answered_at >= $2
         ORDER BY answered_at, id",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Timing {
                answered_at: r.try_get("answered_at")?,
                millis: r.try_get("millis")?,
                correct: opt_bool(r, "correct")?,
            })
        })
        .collect()
}

/// A user's answers since a time, oldest first (the session summary).
pub async fn answers_since(db: &Db, user_id: i64, since: i64) -> Result<Vec<Answer>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM lab_answers WHERE user_id = $1 AND answered_at >= $2 ORDER BY answered_at, id"
    )))
    .bind(user_id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(answer_from_row).collect()
}

pub async fn flag(
    db: &Db,
    user_id: i64,
    message_id: i64,
    answer_id: i64,
    note: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO lab_flags (user_id, message_id, answer_id, note, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(message_id)
        .bind(answer_id)
        .bind(note)
        .bind(now_ms())
        .execute(&db.writer)
        .await?;
    Ok(())
}

/// A message waiting for an instructor, with why.
#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub message: Message,
    pub open_flags: i64,
    pub pending_answers: i64,
    pub notes: Vec<String>,
    /// (intent given, how many times) by trainees.
    pub given: Vec<(String, i64)>,
}

/// Messages with unresolved flags or ungraded answers, most urgent first.
pub async fn review_queue(db: &Db, limit: i64) -> Result<Vec<ReviewItem>> {
    let rows = sqlx::query(
        "SELECT m.id,
            (SELECT COUNT(*) FROM lab_flags f WHERE f.message_id = m.id AND f.resolved_at IS NULL) AS flags,
            (SELECT COUNT(*) FROM lab_answers a WHERE a.message_id = m.id AND a.ref_source = 'pending') AS pending
         FROM messages m
         WHERE EXISTS (SELECT 1 FROM lab_flags f WHERE f.message_id = m.id AND f.resolved_at IS NULL)
            OR EXISTS (SELECT 1 FROM lab_answers a WHERE a.message_id = m.id AND a.ref_source = 'pending')
         ORDER BY m.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let Some(message) = message_by_id(db, id).await? else {
            continue;
        };
        let notes = sqlx::query("SELECT note FROM lab_flags WHERE message_id = $1 AND resolved_at IS NULL AND note <> '' ORDER BY id")
            .bind(id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|n| n.try_get("note"))
            .collect::<Result<_>>()?;
        let given = sqlx::query(
            "SELECT given_intent, COUNT(*) AS n FROM lab_answers WHERE message_id = $1 AND given_intent IS NOT NULL
             GROUP BY given_intent ORDER BY n DESC, given_intent",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|g| Ok((g.try_get("given_intent")?, g.try_get("n")?)))
        .collect::<Result<_>>()?;
        out.push(ReviewItem {
            message,
            open_flags: r.try_get("flags")?,
            pending_answers: r.try_get("pending")?,
            notes,
            given,
        });
    }
    Ok(out)
}

/// Makes an instructor's reading gold and regrades every stored answer on the message against it,
/// resolving its flags, in one transaction. Returns how many answers were regraded.
pub async fn set_gold_and_regrade(
    db: &Db,
    message_id: i64,
    gold: &Labels,
    rationale: (&str, &str),
    reviewer_id: i64,
) -> Result<usize> {
    let mut tx = db.writer.begin().await?;
    sqlx::query(
        "UPDATE messages SET gold_intent = $1, gold_emotion = $2, gold_escalate = $3, rationale_en = $4, rationale_zh = $5
         WHERE id = $6",
    )
    .bind(&gold.intent)
    .bind(&gold.emotion)
    .bind(b(gold.escalate))
    .bind(rationale.0)
    .bind(rationale.1)
    .bind(message_id)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM lab_answers WHERE message_id = $1"
    )))
    .bind(message_id)
    .fetch_all(&mut *tx)
    .await?;
    let answers: Vec<Answer> = rows.iter().map(answer_from_row).collect::<Result<_>>()?;
    for a in &answers {
        let g = grade(&a.given, gold, a.fields);
        sqlx::query(
            "UPDATE lab_answers SET ref_source = 'gold', ref_intent = $1, ref_emotion = $2, ref_escalate = $3,
             intent_correct = $4, emotion_correct = $5, escalate_correct = $6, correct = $7 WHERE id = $8",
        )
        .bind(&gold.intent)
        .bind(&gold.emotion)
        .bind(b(gold.escalate))
        .bind(b(g.intent))
        .bind(b(g.emotion))
        .bind(b(g.escalate))
        .bind(b(g.overall(a.fields)))
        .bind(a.id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE lab_flags SET resolved_at = $1, resolved_by = $2 WHERE message_id = $3 AND resolved_at IS NULL")
        .bind(now_ms())
        .bind(reviewer_id)
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
    // The pool's intents changed, and cached histories hold the old grades.
    cache::bump(&mut *tx, Topic::Corpus).await?;
    tx.commit().await?;
    Ok(answers.len())
}

pub async fn count_messages(db: &Db) -> Result<(i64, i64)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN gold_intent IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS gold FROM messages",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok((r.try_get("n")?, r.try_get("gold")?))
}
