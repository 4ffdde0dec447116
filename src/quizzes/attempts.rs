//! Attempts: starting one (questions fixed or drawn, versions pinned), saving answers as they are
//! given, submitting (by the trainee or, when overdue, by the server), manual grading of essays,
//! regrading after a question fix, and the grades that come out.
//!
//! Every change is one SQL statement or one transaction whose `WHERE` clauses carry the rule it
//! enforces (`state = 'in_progress'`, `checked = 0`, before the deadline), so two tabs, a double
//! submission or a save racing the deadline cannot corrupt an attempt or count it twice.

use std::collections::HashMap;

use rand::Rng;
use sqlx::Row;

use super::gift::{Question, QuestionKind};
use super::quiz::Quiz;
use super::scoring::{self, Response};
use super::settings::{self, DrawError};
use crate::db::{Db, flag};
use crate::web::FormFields;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

// Statements that bind an optional fraction are not cached (`persistent(false)`): sqlx's Any
// driver declares a NULL f64 as float4 on PostgreSQL, so a cached statement first run with an
// essay's NULL would refuse the next question's 8-byte fraction.

/// A save that arrives this long after the deadline still counts: the page's own timer submits at
/// zero and the request needs a moment to arrive.
pub const GRACE_MS: i64 = 5_000;

/// The longest essay answer kept, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: i64,
    pub quiz_id: i64,
    pub user_id: i64,
    pub attempt_no: i64,
    pub seed: i64,
    pub started_at: i64,
    pub deadline_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub finished: bool,
    pub marks: Option<f64>,
    pub max_marks: f64,
    pub needs_grading: bool,
}

impl Attempt {
    /// The grade in percent of the marks, once finished and fully graded.
    pub fn percent(&self) -> Option<f64> {
        if !self.finished || self.needs_grading {
            return None;
        }
        let marks = self.marks?;
        Some(if self.max_marks > 0.0 {
            marks / self.max_marks * 100.0
        } else {
            0.0
        })
    }

    /// May answers still be saved at `now`?
    pub fn accepts_answers(&self, now: i64) -> bool {
        !self.finished && self.deadline_at.is_none_or(|d| now <= d + GRACE_MS)
    }

    /// Past its deadline and its grace, but not yet submitted.
    pub fn is_overdue(&self, now: i64) -> bool {
        !self.finished && self.deadline_at.is_some_and(|d| now > d + GRACE_MS)
    }
}

/// One question of an attempt, at the version the attempt was given.
#[derive(Clone, Debug)]
pub struct Slot {
    pub slot: i64,
    pub question_id: i64,
    pub question_version: i64,
    pub max_mark: f64,
    pub question: Question,
    pub response: Option<Response>,
    pub saved_at: Option<i64>,
    /// Checked with immediate feedback: scored and locked.
    pub checked: bool,
    pub fraction: Option<f64>,
    pub manual_fraction: Option<f64>,
    pub grader_comment: String,
}

impl Slot {
    /// The fraction that counts: an instructor's grade overrides the automatic one.
    pub fn effective_fraction(&self) -> Option<f64> {
        self.manual_fraction.or(self.fraction)
    }

    pub fn mark(&self) -> Option<f64> {
        self.effective_fraction().map(|f| f * self.max_mark)
    }

    /// An answered essay no one has graded yet.
    pub fn awaits_grading(&self) -> bool {
        matches!(self.question.kind, QuestionKind::Essay)
            && self.response.is_some()
            && self.manual_fraction.is_none()
    }
}

/// What scoring a response gives, as the attempt stores it: blank answers earn 0 (as in Moodle,
/// so item analysis counts them), an answered essay waits for a human, descriptions earn nothing.
pub fn auto_fraction(question: &Question, response: Option<&Response>) -> Option<f64> {
    match (&question.kind, response) {
        (QuestionKind::Description, _) => None,
        (QuestionKind::Essay, Some(_)) => None,
        (_, None) => Some(0.0),
        (_, Some(r)) => scoring::score(question, r, false).fraction,
    }
}

/// The marks a question is worth in an attempt.
pub fn max_mark_of(question: &Question) -> f64 {
    match question.kind {
        QuestionKind::Description => 0.0,
        _ => question.default_mark.unwrap_or(1.0),
    }
}

/// Total marks and whether a human still has to grade something.
pub fn totals(slots: &[Slot]) -> (f64, bool) {
    let marks = slots.iter().filter_map(Slot::mark).sum();
    (marks, slots.iter().any(Slot::awaits_grading))
}

/// The name of a slot's form field (`q3`); matching items add `_<item>` (`q3_0`).
pub fn field(slot: i64) -> String {
    format!("q{slot}")
}

/// Reads a slot's response from a submitted form. Nothing given: None. Values that do not belong
/// to the question (a tampered index, an unknown match) are dropped, never stored.
pub fn response_from_form(question: &Question, form: &FormFields, slot: i64) -> Option<Response> {
    let name = field(slot);
    match &question.kind {
        QuestionKind::Multichoice { answers, single } => {
            let mut picked: Vec<usize> = form
                .all(&name)
                .iter()
                .filter_map(|v| v.parse::<usize>().ok())
                .filter(|i| *i < answers.len())
                .collect();
            picked.sort_unstable();
            picked.dedup();
            if *single {
                picked.truncate(1);
            }
            (!picked.is_empty()).then_some(Response::Choices { picked })
        }
        QuestionKind::Truefalse { .. } => match form.get(&name) {
            "true" => Some(Response::Truth { value: true }),
            "false" => Some(Response::Truth { value: false }),
            _ => None,
        },
        QuestionKind::Shortanswer { .. } | QuestionKind::Numerical { .. } | QuestionKind::Essay => {
            let value: String = form
                .get(&name)
                .trim()
                .chars()
                .take(MAX_TEXT_CHARS)
                .collect();
            (!value.is_empty()).then_some(Response::Text { value })
        }
        QuestionKind::Match { pairs } => {
            let options = match_options(question);
            let chosen: Vec<Option<String>> = pairs
                .iter()
                .filter(|p| !p.question.is_empty())
                .enumerate()
                .map(|(i, _)| {
                    let v = form.get(&format!("{name}_{i}"));
                    options.iter().find(|o| o.as_str() == v).cloned()
                })
                .collect();
            chosen
                .iter()
                .any(Option::is_some)
                .then_some(Response::Matches { chosen })
        }
        QuestionKind::Classify(_) => {
            // Slugs only: anything else is a tampered form and is dropped.
            let slug = |suffix: &str| {
                let v = form.get(&format!("{name}_{suffix}")).trim();
                if crate::taxonomy::is_valid_key(v) {
                    v.to_string()
                } else {
                    String::new()
                }
            };
            let (intent, emotion) = (slug("intent"), slug("emotion"));
            (!intent.is_empty() || !emotion.is_empty())
                .then_some(Response::Labels { intent, emotion })
        }
        QuestionKind::Description => None,
    }
}

/// The answers a matching question offers, sorted and without repeats (extra answers included).
pub fn match_options(question: &Question) -> Vec<String> {
    let QuestionKind::Match { pairs } = &question.kind else {
        return Vec::new();
    };
    let mut options: Vec<String> = pairs.iter().map(|p| p.answer.clone()).collect();
    options.sort();
    options.dedup();
    options
}

/// Can attempts given `old` be moved to `new` and rescored? Responses point at answers by
/// position, so the type and the number of answers must be the same.
pub fn same_shape(old: &Question, new: &Question) -> bool {
    use QuestionKind as K;
    match (&old.kind, &new.kind) {
        (K::Multichoice { answers: a, .. }, K::Multichoice { answers: b, .. }) => {
            a.len() == b.len()
        }
        (K::Match { pairs: a }, K::Match { pairs: b }) => {
            let items =
                |p: &Vec<super::gift::Pair>| p.iter().filter(|x| !x.question.is_empty()).count();
            items(a) == items(b)
        }
        (a, b) => a.type_name() == b.type_name(),
    }
}

// ---------------------------------------------------------------------------------------------
// Storage.

const ATTEMPT: &str =
    "SELECT id, quiz_id, user_id, attempt_no, seed, started_at, deadline_at, submitted_at,
     state, marks, max_marks, needs_grading FROM quiz_attempts";

fn attempt_from_row(r: &sqlx::any::AnyRow) -> Result<Attempt> {
    Ok(Attempt {
        id: r.try_get("id")?,
        quiz_id: r.try_get("quiz_id")?,
        user_id: r.try_get("user_id")?,
        attempt_no: r.try_get("attempt_no")?,
        seed: r.try_get("seed")?,
        started_at: r.try_get("started_at")?,
        deadline_at: r.try_get("deadline_at")?,
        submitted_at: r.try_get("submitted_at")?,
        finished: r.try_get::<String, _>("state")? == "finished",
        marks: r.try_get("marks")?,
        max_marks: r.try_get("max_marks")?,
        needs_grading: flag(r.try_get("needs_grading")?),
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Attempt>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ATTEMPT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(attempt_from_row).transpose()
}

/// A trainee's attempts at a quiz, oldest first.
pub async fn of_user(db: &Db, quiz_id: i64, user_id: i64) -> Result<Vec<Attempt>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ATTEMPT} WHERE quiz_id = $1 AND user_id = $2 ORDER BY attempt_no"
    )))
    .bind(quiz_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(attempt_from_row).collect()
}

/// Every attempt at a quiz, by trainee then attempt number.
pub async fn of_quiz(db: &Db, quiz_id: i64) -> Result<Vec<Attempt>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ATTEMPT} WHERE quiz_id = $1 ORDER BY user_id, attempt_no"
    )))
    .bind(quiz_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(attempt_from_row).collect()
}

const SLOTS: &str =
    "SELECT s.slot, s.question_id, s.question_version, s.max_mark, s.response, s.saved_at,
     s.checked, s.fraction, s.manual_fraction, s.grader_comment, v.body
     FROM attempt_slots s
     JOIN question_versions v ON v.question_id = s.question_id AND v.version = s.question_version";

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn slot_from_row(r: &sqlx::any::AnyRow) -> Result<Slot> {
    let response: Option<String> = r.try_get("response")?;
    Ok(Slot {
        slot: r.try_get("slot")?,
        question_id: r.try_get("question_id")?,
        question_version: r.try_get("question_version")?,
        max_mark: r.try_get("max_mark")?,
        question: decode(&r.try_get::<String, _>("body")?)?,
        response: response.as_deref().map(decode).transpose()?,
        saved_at: r.try_get("saved_at")?,
        checked: flag(r.try_get("checked")?),
        fraction: r.try_get("fraction")?,
        manual_fraction: r.try_get("manual_fraction")?,
        grader_comment: r.try_get("grader_comment")?,
    })
}

pub async fn slots(db: &Db, attempt_id: i64) -> Result<Vec<Slot>> {
    load_slots(&db.pool, attempt_id).await
}

/// One slot of an attempt (None: no such slot), for the autosave of one answer.
pub async fn slot(db: &Db, attempt_id: i64, slot: i64) -> Result<Option<Slot>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SLOTS} WHERE s.attempt_id = $1 AND s.slot = $2"
    )))
    .bind(attempt_id)
    .bind(slot)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(slot_from_row).transpose()
}

/// The slots of an attempt through any executor (the pool, or a transaction's connection).
async fn load_slots<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    attempt_id: i64,
) -> Result<Vec<Slot>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SLOTS} WHERE s.attempt_id = $1 ORDER BY s.slot"
    )))
    .bind(attempt_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(slot_from_row).collect()
}

/// Stores a slot's version and automatic fraction, inside a transaction.
async fn store_slot_score(tx: &mut sqlx::AnyConnection, attempt_id: i64, s: &Slot) -> Result<()> {
    sqlx::query(
        "UPDATE attempt_slots SET question_version = $1, fraction = $2 WHERE attempt_id = $3 AND slot = $4",
    )
    .bind(s.question_version)
    .bind(s.fraction)
    .bind(attempt_id)
    .bind(s.slot)
    .persistent(false)
    .execute(tx)
    .await?;
    Ok(())
}

/// Stores an attempt's marks and whether it waits for a grader, from its slots.
async fn store_totals(tx: &mut sqlx::AnyConnection, attempt_id: i64, slots: &[Slot]) -> Result<()> {
    let (marks, needs_grading) = totals(slots);
    sqlx::query("UPDATE quiz_attempts SET marks = $1, needs_grading = $2 WHERE id = $3")
        .bind(marks)
        .bind(i64::from(needs_grading))
        .bind(attempt_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// How many questions an attempt gets, not counting descriptions (which are shown, not asked).
pub async fn question_count(db: &Db, quiz: &Quiz) -> Result<usize> {
    let mut n = quiz.settings.question_count();
    for id in &quiz.settings.questions {
        if super::store::get(db, *id)
            .await?
            .is_some_and(|q| matches!(q.body.kind, QuestionKind::Description))
        {
            n -= 1;
        }
    }
    Ok(n)
}

/// Why an attempt could not start.
#[derive(Debug, PartialEq)]
pub enum StartRefused {
    Closed,
    NoAttemptsLeft,
    NotEnoughQuestions(DrawError),
}

/// Starts an attempt, or returns the one in progress (leaving and coming back resumes it; two
/// tabs pressing "start" at once get the same attempt, the open-attempt index sees to that).
pub async fn start(
    db: &Db,
    quiz: &Quiz,
    user_id: i64,
    now: i64,
) -> Result<std::result::Result<i64, StartRefused>> {
    finish_overdue_of(db, quiz.id, user_id, now).await?;
    let mine = of_user(db, quiz.id, user_id).await?;
    if let Some(open) = mine.iter().find(|a| !a.finished) {
        return Ok(Ok(open.id));
    }
    let s = &quiz.settings;
    if !s.is_open(now) {
        return Ok(Err(StartRefused::Closed));
    }
    if s.max_attempts.is_some_and(|m| mine.len() >= m as usize) {
        return Ok(Err(StartRefused::NoAttemptsLeft));
    }
    // Fixed questions first, then the draws, which never repeat a fixed one.
    let bank: Vec<settings::Candidate> = super::store::list(db, "")
        .await?
        .into_iter()
        .filter(|q| {
            !matches!(q.body.kind, QuestionKind::Description) && !s.questions.contains(&q.id)
        })
        .map(|q| settings::Candidate {
            id: q.id,
            category: q.category,
            tags: q.body.tags,
        })
        .collect();
    let seed: i64 = rand::rng().random_range(0..i64::MAX);
    let drawn = match settings::draw(&bank, &s.draw, false, seed as u64) {
        Ok(d) => d,
        Err(e) => return Ok(Err(StartRefused::NotEnoughQuestions(e))),
    };
    let mut layout: Vec<i64> = s.questions.iter().copied().chain(drawn).collect();
    if s.shuffle_questions {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        layout.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed as u64 ^ 0x5EED));
    }
    let deadline = settings::deadline(now, s.time_limit_ms(), s.close_at);

    let mut tx = db.writer.begin().await?;
    let mut versions = Vec::with_capacity(layout.len());
    for id in &layout {
        let row = sqlx::query(
            "SELECT q.current_version, v.body FROM questions q
             JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version
             WHERE q.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        // A fixed question deleted from the bank is left out rather than breaking the quiz.
        if let Some(row) = row {
            let version: i64 = row.try_get("current_version")?;
            let question: Question = decode(&row.try_get::<String, _>("body")?)?;
            versions.push((*id, version, max_mark_of(&question)));
        }
    }
    let max_marks: f64 = versions.iter().map(|v| v.2).sum();
    let inserted = sqlx::query(
        "INSERT INTO quiz_attempts (quiz_id, user_id, attempt_no, seed, started_at, deadline_at, state, max_marks)
         VALUES ($1, $2, $3, $4, $5, $6, 'in_progress', $7)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(quiz.id)
    .bind(user_id)
    .bind(mine.len() as i64 + 1)
    .bind(seed)
    .bind(now)
    .bind(deadline)
    .bind(max_marks)
    .fetch_all(&mut *tx)
    .await?;
    let Some(row) = inserted.first() else {
        // Another request started it first: use that one.
        tx.rollback().await?;
        let open = of_user(db, quiz.id, user_id)
            .await?
            .into_iter()
            .find(|a| !a.finished)
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok(Ok(open.id));
    };
    let attempt_id: i64 = row.try_get("id")?;
    for (slot, (question_id, version, max_mark)) in versions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attempt_slots (attempt_id, slot, question_id, question_version, max_mark)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(attempt_id)
        .bind(slot as i64 + 1)
        .bind(question_id)
        .bind(version)
        .bind(max_mark)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(attempt_id))
}

/// Saves one answer. False when the attempt no longer takes answers (submitted, overdue) or the
/// slot is locked by an immediate-feedback check; nothing is changed then.
pub async fn save_response(
    db: &Db,
    attempt_id: i64,
    slot: i64,
    response: Option<&Response>,
    now: i64,
) -> Result<bool> {
    let json = response.map(|r| serde_json::to_string(r).unwrap_or_default());
    let done = sqlx::query(
        "UPDATE attempt_slots SET response = $1, saved_at = $2
         WHERE attempt_id = $3 AND slot = $4 AND checked = 0
           AND EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.id = $3 AND a.state = 'in_progress'
                       AND (a.deadline_at IS NULL OR a.deadline_at + $5 >= $2))",
    )
    .bind(json)
    .bind(now)
    .bind(attempt_id)
    .bind(slot)
    .bind(GRACE_MS)
    .execute(&db.writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Immediate feedback: scores one answered slot and locks it, as Moodle's "Check" does.
pub async fn check(db: &Db, attempt_id: i64, slot: &Slot, now: i64) -> Result<bool> {
    let fraction = auto_fraction(&slot.question, slot.response.as_ref());
    let done = sqlx::query(
        "UPDATE attempt_slots SET checked = 1, fraction = $1
         WHERE attempt_id = $2 AND slot = $3 AND checked = 0 AND response IS NOT NULL
           AND EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.id = $2 AND a.state = 'in_progress'
                       AND (a.deadline_at IS NULL OR a.deadline_at + $4 >= $5))",
    )
    .bind(fraction)
    .bind(attempt_id)
    .bind(slot.slot)
    .bind(GRACE_MS)
    .bind(now)
    .persistent(false)
    .execute(&db.writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Scores every slot of an attempt and stores the fractions and totals, inside `tx`.
async fn score_attempt(tx: &mut sqlx::AnyConnection, attempt_id: i64) -> Result<()> {
    let mut slots = load_slots(&mut *tx, attempt_id).await?;
    for s in &mut slots {
        s.fraction = auto_fraction(&s.question, s.response.as_ref());
        store_slot_score(tx, attempt_id, s).await?;
    }
    store_totals(tx, attempt_id, &slots).await
}

/// Submits an attempt: scores it and makes it immutable. False when it was already submitted
/// (a double click, a second tab, the deadline sweep): nothing changes and nothing counts twice.
pub async fn finish(db: &Db, attempt_id: i64, submitted_at: i64) -> Result<bool> {
    let mut tx = db.writer.begin().await?;
    let done = sqlx::query(
        "UPDATE quiz_attempts SET state = 'finished', submitted_at = $1 WHERE id = $2 AND state = 'in_progress'",
    )
    .bind(submitted_at)
    .bind(attempt_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    score_attempt(&mut tx, attempt_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Submits every overdue attempt with what was saved, dated at its deadline. Runs from a timer in
/// the server and whenever an attempt or its quiz is looked at, so a trainee who closes the tab
/// still gets the attempt graded.
pub async fn finish_overdue(db: &Db, now: i64) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT id, deadline_at FROM quiz_attempts WHERE state = 'in_progress' AND deadline_at IS NOT NULL AND deadline_at + $1 < $2",
    )
    .bind(GRACE_MS)
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut finished = 0;
    for row in rows {
        if finish(db, row.try_get("id")?, row.try_get("deadline_at")?).await? {
            finished += 1;
        }
    }
    Ok(finished)
}

/// `finish_overdue` for one trainee's attempts at one quiz.
pub async fn finish_overdue_of(db: &Db, quiz_id: i64, user_id: i64, now: i64) -> Result<()> {
    for a in of_user(db, quiz_id, user_id).await? {
        if a.is_overdue(now) {
            finish(db, a.id, a.deadline_at.unwrap_or(now)).await?;
        }
    }
    Ok(())
}

/// Loads an attempt, submitting it first if its time is up.
pub async fn get_current(db: &Db, id: i64, now: i64) -> Result<Option<Attempt>> {
    let Some(a) = get(db, id).await? else {
        return Ok(None);
    };
    if a.is_overdue(now) {
        finish(db, a.id, a.deadline_at.unwrap_or(now)).await?;
        return get(db, id).await;
    }
    Ok(Some(a))
}

/// The quiz grade of a trainee (percent) by the quiz's grading method, over finished attempts
/// that need no more grading. None: no such attempt yet.
pub async fn quiz_grade(db: &Db, quiz: &Quiz, user_id: i64) -> Result<Option<f64>> {
    Ok(grade_of(quiz, &of_user(db, quiz.id, user_id).await?))
}

/// `quiz_grade` from a trainee's attempts already loaded (oldest first).
pub fn grade_of(quiz: &Quiz, attempts: &[Attempt]) -> Option<f64> {
    let grades: Vec<f64> = attempts.iter().filter_map(Attempt::percent).collect();
    quiz.settings.grading.combine(&grades)
}

/// An instructor's grade for one slot (usually an essay): fraction in [0, 1] and a comment. The
/// attempt's totals are recomputed in the same transaction.
pub async fn grade_slot(
    db: &Db,
    attempt_id: i64,
    slot: i64,
    fraction: f64,
    comment: &str,
    grader_id: i64,
    now: i64,
) -> Result<bool> {
    let mut tx = db.writer.begin().await?;
    let done = sqlx::query(
        "UPDATE attempt_slots SET manual_fraction = $1, grader_comment = $2, grader_id = $3, graded_at = $4
         WHERE attempt_id = $5 AND slot = $6
           AND EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.id = $5 AND a.state = 'finished')",
    )
    .bind(fraction.clamp(0.0, 1.0))
    .bind(comment)
    .bind(grader_id)
    .bind(now)
    .bind(attempt_id)
    .bind(slot)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    recompute_totals(&mut tx, attempt_id).await?;
    tx.commit().await?;
    Ok(true)
}

async fn recompute_totals(tx: &mut sqlx::AnyConnection, attempt_id: i64) -> Result<()> {
    let slots = load_slots(&mut *tx, attempt_id).await?;
    store_totals(tx, attempt_id, &slots).await
}

/// What a regrade did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RegradeReport {
    pub attempts: usize,
    pub changed: usize,
    pub updated_slots: usize,
    /// Slots left on their version: the fixed question has a different shape.
    pub kept_slots: usize,
}

/// After a question fix: moves the finished attempts of a quiz to the current version of each
/// question where the answers line up (same type and number of answers), rescores every slot and
/// recomputes the totals. Manual grades stay. One transaction per attempt.
pub async fn regrade(db: &Db, quiz_id: i64) -> Result<RegradeReport> {
    let current: HashMap<i64, (i64, Question)> = super::store::list(db, "")
        .await?
        .into_iter()
        .map(|q| (q.id, (q.version, q.body)))
        .collect();
    let mut report = RegradeReport::default();
    for attempt in of_quiz(db, quiz_id)
        .await?
        .into_iter()
        .filter(|a| a.finished)
    {
        let mut tx = db.writer.begin().await?;
        let mut slots = load_slots(&mut *tx, attempt.id).await?;
        for s in &mut slots {
            if let Some((version, latest)) = current.get(&s.question_id)
                && *version != s.question_version
            {
                if same_shape(&s.question, latest) {
                    s.question_version = *version;
                    s.question = latest.clone();
                    report.updated_slots += 1;
                } else {
                    report.kept_slots += 1;
                }
            }
            s.fraction = auto_fraction(&s.question, s.response.as_ref());
            store_slot_score(&mut tx, attempt.id, s).await?;
        }
        store_totals(&mut tx, attempt.id, &slots).await?;
        let (marks, needs_grading) = totals(&slots);
        tx.commit().await?;
        report.attempts += 1;
        if attempt.marks.is_none_or(|m| (m - marks).abs() > 1e-9)
            || attempt.needs_grading != needs_grading
        {
            report.changed += 1;
        }
    }
    Ok(report)
}

/// An answered essay waiting for an instructor.
#[derive(Clone, Debug)]
pub struct PendingEssay {
    pub attempt_id: i64,
    pub slot: Slot,
    pub quiz_title: String,
    pub trainee: String,
    pub submitted_at: i64,
}

/// Every answered essay of a finished attempt that no one has graded, oldest submission first.
pub async fn pending_essays(db: &Db) -> Result<Vec<PendingEssay>> {
    let rows = sqlx::query(
        "SELECT a.id, a.submitted_at, z.title, u.display_name FROM quiz_attempts a
         JOIN quizzes z ON z.id = a.quiz_id JOIN users u ON u.id = a.user_id
         WHERE a.state = 'finished' AND a.needs_grading = 1 ORDER BY a.submitted_at, a.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut pending = Vec::new();
    for row in rows {
        let attempt_id: i64 = row.try_get("id")?;
        for slot in slots(db, attempt_id).await? {
            if slot.awaits_grading() {
                pending.push(PendingEssay {
                    attempt_id,
                    slot,
                    quiz_title: row.try_get("title")?,
                    trainee: row.try_get("display_name")?,
                    submitted_at: row.try_get("submitted_at")?,
                });
            }
        }
    }
    Ok(pending)
}

/// The marks of every finished attempt at a quiz, per question, for item analysis: (attempt,
/// slots). Attempts still waiting for a grade are left out, as Moodle's statistics do.
pub async fn graded_attempts(db: &Db, quiz_id: i64) -> Result<Vec<(Attempt, Vec<Slot>)>> {
    let mut out = Vec::new();
    for a in of_quiz(db, quiz_id).await? {
        if a.finished && !a.needs_grading {
            let s = slots(db, a.id).await?;
            out.push((a, s));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(gift: &str) -> Question {
        match super::super::gift::parse(gift).unwrap().remove(0) {
            super::super::gift::Item::Question(q) => q,
            other => panic!("{other:?}"),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        FormFields::from_pairs(pairs)
    }

    #[test]
    fn responses_are_read_from_the_form_and_tampering_is_dropped() {
        let multi = question("Which are returns? {~%50%a ~%50%b ~%-100%c}");
        assert_eq!(
            response_from_form(
                &multi,
                &form(&[("q2", "1"), ("q2", "0"), ("q2", "9"), ("q2", "x")]),
                2
            ),
            Some(Response::Choices { picked: vec![0, 1] })
        );
        assert_eq!(response_from_form(&multi, &form(&[("q3", "1")]), 2), None);
        let single = question("Pick {=a ~b ~c}");
        assert_eq!(
            response_from_form(&single, &form(&[("q1", "2"), ("q1", "0")]), 1),
            Some(Response::Choices { picked: vec![0] })
        );
        let tf = question("Sky is blue {T}");
        assert_eq!(
            response_from_form(&tf, &form(&[("q1", "false")]), 1),
            Some(Response::Truth { value: false })
        );
        assert_eq!(response_from_form(&tf, &form(&[("q1", "maybe")]), 1), None);
        let essay = question("Write a reply {}");
        assert_eq!(response_from_form(&essay, &form(&[("q1", "   ")]), 1), None);
        let long = "x".repeat(MAX_TEXT_CHARS + 10);
        let Some(Response::Text { value }) =
            response_from_form(&essay, &form(&[("q1", long.as_str())]), 1)
        else {
            panic!("essay text expected");
        };
        assert_eq!(value.chars().count(), MAX_TEXT_CHARS);
        let matching = question("Match {=Where? -> wismo =Broken -> damaged =Small -> size}");
        assert_eq!(
            response_from_form(
                &matching,
                &form(&[("q4_0", "wismo"), ("q4_1", "forged"), ("q4_2", "size")]),
                4
            ),
            Some(Response::Matches {
                chosen: vec![Some("wismo".into()), None, Some("size".into())]
            })
        );
    }

    #[test]
    fn blank_answers_earn_zero_and_essays_wait_for_a_human() {
        let single = question("Pick {=a ~b}");
        assert_eq!(auto_fraction(&single, None), Some(0.0));
        assert_eq!(
            auto_fraction(&single, Some(&Response::Choices { picked: vec![0] })),
            Some(1.0)
        );
        let essay = question("Write {}");
        assert_eq!(auto_fraction(&essay, None), Some(0.0));
        let text = Response::Text {
            value: "Dear buyer".into(),
        };
        assert_eq!(auto_fraction(&essay, Some(&text)), None);
        assert_eq!(auto_fraction(&question("Just text."), None), None);
    }

    #[test]
    fn totals_count_manual_grades_and_pending_essays() {
        let slot = |q: &str, response: Option<Response>, manual: Option<f64>| {
            let question = question(q);
            let fraction = auto_fraction(&question, response.as_ref());
            Slot {
                slot: 1,
                question_id: 1,
                question_version: 1,
                max_mark: max_mark_of(&question),
                question,
                response,
                saved_at: None,
                checked: false,
                fraction,
                manual_fraction: manual,
                grader_comment: String::new(),
            }
        };
        let essay_text = Some(Response::Text { value: "Hi".into() });
        let right = Some(Response::Choices { picked: vec![0] });
        let slots = vec![
            slot("Pick {=a ~b}", right.clone(), None),
            slot("Write {}", essay_text.clone(), None),
        ];
        assert_eq!(totals(&slots), (1.0, true));
        let slots = vec![
            slot("Pick {=a ~b}", right, None),
            slot("Write {}", essay_text, Some(0.5)),
            slot("Intro text.", None, None),
        ];
        assert_eq!(totals(&slots), (1.5, false));
    }

    #[test]
    fn only_same_shaped_versions_are_regraded() {
        let old = question("Pick {=a ~b ~c}");
        assert!(same_shape(&old, &question("Pick (fixed) {~a =b ~c}")));
        assert!(!same_shape(&old, &question("Pick {=a ~b}")));
        assert!(!same_shape(&old, &question("Pick {T}")));
        assert!(same_shape(
            &question("N {#3:1}"),
            &question("N {#=4:1 =%50%5:0}")
        ));
    }

    #[test]
    fn attempt_windows() {
        let mut a = Attempt {
            id: 1,
            quiz_id: 1,
            user_id: 1,
            attempt_no: 1,
            seed: 0,
            started_at: 0,
            deadline_at: Some(1_000),
            submitted_at: None,
            finished: false,
            marks: None,
            max_marks: 4.0,
            needs_grading: false,
        };
        assert!(a.accepts_answers(1_000 + GRACE_MS));
        assert!(!a.is_overdue(1_000 + GRACE_MS));
        assert!(a.is_overdue(1_001 + GRACE_MS));
        assert_eq!(a.percent(), None);
        a.finished = true;
        a.marks = Some(3.0);
        assert_eq!(a.percent(), Some(75.0));
        assert!(!a.accepts_answers(0));
        a.needs_grading = true;
        assert_eq!(a.percent(), None);
    }
}
