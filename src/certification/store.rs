//! SQL for certification definitions, the facts their requirements are judged on, and certificates.
//! Portable across both backends.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::requirements::{CourseFact, ExamFact, Facts, GradedAnswer};
use super::{Definition, ExamRule, LabRule, Percent, Status};
use crate::db::{Db, flag};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

// ---- definitions ----

const DEFINITION_COLUMNS: &str = "id, slug, title_en, title_zh, description_en, description_zh, lab_window,
    lab_accuracy, lab_intent_percent, lab_intent_min_items, exam_quiz_id, exam_pass_percent, validity_months";

fn percent(r: &AnyRow, col: &str) -> Result<Option<Percent>> {
    Ok(r.try_get::<Option<f64>, _>(col)?.and_then(Percent::new))
}

fn definition_from_row(r: &AnyRow, courses: Vec<i64>) -> Result<Definition> {
    let window: Option<i64> = r.try_get("lab_window")?;
    let lab = match window {
        Some(w) if w > 0 => Some(LabRule {
            window: u32::try_from(w).unwrap_or(u32::MAX),
            accuracy: percent(r, "lab_accuracy")?.unwrap_or(Percent(100.0)),
            intent_percent: percent(r, "lab_intent_percent")?.unwrap_or(Percent(0.0)),
            intent_min_items: r
                .try_get::<Option<i64>, _>("lab_intent_min_items")?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(super::DEFAULT_INTENT_MIN_ITEMS),
        }),
        _ => None,
    };
    let exam = r
        .try_get::<Option<i64>, _>("exam_quiz_id")?
        .map(|quiz_id| -> Result<ExamRule> {
            Ok(ExamRule {
                quiz_id,
                pass_percent: percent(r, "exam_pass_percent")?,
            })
        })
        .transpose()?;
    Ok(Definition {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title_en: r.try_get("title_en")?,
        title_zh: r.try_get("title_zh")?,
        description_en: r.try_get("description_en")?,
        description_zh: r.try_get("description_zh")?,
        courses,
        lab,
        exam,
        validity_months: u32::try_from(r.try_get::<i64, _>("validity_months")?).unwrap_or(12),
    })
}

/// Required course ids per certification, in catalogue order.
async fn required_courses(db: &Db) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = sqlx::query(
        "SELECT r.certification_id, r.course_id FROM certification_courses r
         JOIN courses c ON c.id = r.course_id ORDER BY c.position, c.slug",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        map.entry(r.try_get("certification_id")?)
            .or_default()
            .push(r.try_get("course_id")?);
    }
    Ok(map)
}

pub async fn list(db: &Db) -> Result<Vec<Definition>> {
    let mut courses = required_courses(db).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DEFINITION_COLUMNS} FROM certifications ORDER BY title_en, id"
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            definition_from_row(r, courses.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Definition>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DEFINITION_COLUMNS} FROM certifications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let courses = required_courses(db).await?.remove(&id).unwrap_or_default();
    definition_from_row(&row, courses).map(Some)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Definition>> {
    let row = sqlx::query("SELECT id FROM certifications WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(row) => get(db, row.try_get("id")?).await,
        None => Ok(None),
    }
}

/// Binds a definition's requirement columns in the order `create` and `update` list them.
fn bind_requirements<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    d: &Definition,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let lab = d.lab.as_ref();
    query
        .bind(d.title_en.clone())
        .bind(d.title_zh.clone())
        .bind(d.description_en.clone())
        .bind(d.description_zh.clone())
        .bind(lab.map(|l| i64::from(l.window)))
        .bind(lab.map(|l| l.accuracy.value()))
        .bind(lab.map(|l| l.intent_percent.value()))
        .bind(lab.map(|l| i64::from(l.intent_min_items)))
        .bind(d.exam.as_ref().map(|e| e.quiz_id))
        .bind(
            d.exam
                .as_ref()
                .and_then(|e| e.pass_percent)
                .map(|p| p.value()),
        )
        .bind(i64::from(d.validity_months))
        // Not cached: sqlx's Any driver declares a NULL f64 as float4 on PostgreSQL, so a
        // statement first run without a lab or pass mark would refuse one later.
        .persistent(false)
}

async fn set_courses(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    courses: &[i64],
) -> Result<()> {
    sqlx::query("DELETE FROM certification_courses WHERE certification_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for course in courses {
        sqlx::query(
            "INSERT INTO certification_courses (certification_id, course_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(course)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Creates a definition; None when its slug is taken.
pub async fn create(db: &Db, d: &Definition, user_id: Option<i64>) -> Result<Option<i64>> {
    let now = crate::db::now_ms();
    let mut tx = db.writer.begin().await?;
    let query = sqlx::query(
        "INSERT INTO certifications (title_en, title_zh, description_en, description_zh, lab_window, lab_accuracy,
         lab_intent_percent, lab_intent_min_items, exam_quiz_id, exam_pass_percent, validity_months,
         slug, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    );
    let rows = bind_requirements(query, d)
        .bind(d.slug.clone())
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
    let Some(row) = rows.first() else {
        tx.rollback().await?;
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    set_courses(&mut tx, id, &d.courses).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Replaces everything but the slug. False when there is no such definition. Certificates already
/// issued keep their dates; the new requirements apply to the next issue.
pub async fn update(db: &Db, id: i64, d: &Definition) -> Result<bool> {
    let mut tx = db.writer.begin().await?;
    let query = sqlx::query(
        "UPDATE certifications SET title_en = $1, title_zh = $2, description_en = $3, description_zh = $4,
         lab_window = $5, lab_accuracy = $6, lab_intent_percent = $7, lab_intent_min_items = $8,
         exam_quiz_id = $9, exam_pass_percent = $10, validity_months = $11, updated_at = $12
         WHERE id = $13",
    );
    let done = bind_requirements(query, d)
        .bind(crate::db::now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    set_courses(&mut tx, id, &d.courses).await?;
    tx.commit().await?;
    Ok(true)
}

// ---- facts ----

/// Course completion for one user: course id → (slug, titles, completed). A course counts as
/// completed when it has published lessons and every one has a completion date (as the catalogue
/// counts it).
async fn course_facts(db: &Db, user_id: i64) -> Result<Vec<CourseFact>> {
    let courses = crate::courses::store::list_courses(db).await?;
    let lessons = crate::courses::store::lessons(db, None).await?;
    let progress = crate::courses::store::progress_of(db, user_id).await?;
    Ok(courses
        .into_iter()
        .map(|c| {
            let mut published = lessons
                .iter()
                .filter(|l| l.course_id == c.id && l.published)
                .peekable();
            let completed = published.peek().is_some()
                && published.all(|l| progress.get(&l.id).is_some_and(|p| p.1.is_some()));
            CourseFact {
                id: c.id,
                slug: c.slug,
                title_en: c.title_en,
                title_zh: c.title_zh,
                completed,
            }
        })
        .collect())
}

/// The user's last `limit` graded lab answers, newest first.
async fn graded_answers(db: &Db, user_id: i64, limit: u32) -> Result<Vec<GradedAnswer>> {
    let rows = sqlx::query(
        "SELECT ref_intent, correct FROM lab_answers WHERE user_id = $1 AND correct IS NOT NULL
         ORDER BY answered_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(GradedAnswer {
                intent: r.try_get("ref_intent")?,
                correct: flag(r.try_get("correct")?),
            })
        })
        .collect()
}

async fn exam_fact(db: &Db, quiz_id: i64, user_id: i64) -> Result<Option<ExamFact>> {
    let Some(quiz) = crate::quizzes::quiz::get(db, quiz_id).await? else {
        return Ok(None);
    };
    let grade = crate::quizzes::attempts::quiz_grade(db, &quiz, user_id).await?;
    Ok(Some(ExamFact {
        quiz_id,
        title: quiz.title,
        grade,
        quiz_pass_percent: quiz.settings.pass_percent,
    }))
}

/// What the requirements of `definitions` need to know about one user, gathered once for all.
pub struct Gatherer<'a> {
    db: &'a Db,
    user_id: i64,
    courses: Option<Vec<CourseFact>>,
    lab: Option<Vec<GradedAnswer>>,
    lab_limit: u32,
}

impl<'a> Gatherer<'a> {
    pub fn new(db: &'a Db, user_id: i64, definitions: &[Definition]) -> Gatherer<'a> {
        Gatherer {
            db,
            user_id,
            courses: None,
            lab: None,
            lab_limit: definitions
                .iter()
                .filter_map(|d| d.lab.as_ref().map(|l| l.window))
                .max()
                .unwrap_or(0),
        }
    }

    pub async fn facts(&mut self, d: &Definition) -> Result<Facts> {
        let courses = if d.courses.is_empty() {
            Vec::new()
        } else {
            if self.courses.is_none() {
                self.courses = Some(course_facts(self.db, self.user_id).await?);
            }
            self.courses.clone().unwrap_or_default()
        };
        let lab = match &d.lab {
            None => Vec::new(),
            Some(rule) => {
                if self.lab.is_none() {
                    self.lab = Some(graded_answers(self.db, self.user_id, self.lab_limit).await?);
                }
                let all = self.lab.as_deref().unwrap_or_default();
                all[..all.len().min(rule.window as usize)].to_vec()
            }
        };
        let exam = match &d.exam {
            None => None,
            Some(rule) => exam_fact(self.db, rule.quiz_id, self.user_id).await?,
        };
        Ok(Facts { courses, lab, exam })
    }
}

// ---- certificates ----

/// A certificate with its holder's name and its certification's titles.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub id: i64,
    pub certification_id: i64,
    pub user_id: i64,
    pub holder: String,
    pub holder_email: String,
    pub title_en: String,
    pub title_zh: String,
    pub code: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub revoked_by: Option<String>,
}

impl Certificate {
    pub fn status(&self, now: i64) -> Status {
        Status::at(self.revoked_at, self.expires_at, now)
    }

    pub fn title(&self, locale: crate::web::i18n::Locale) -> &str {
        super::pick(locale, &self.title_en, &self.title_zh)
    }

    /// Valid and expiring within the notice period.
    pub fn expires_soon(&self, now: i64) -> bool {
        self.status(now) == Status::Valid && self.expires_at - now <= super::EXPIRY_NOTICE_MS
    }

    pub fn verify_path(&self) -> String {
        format!("/verify/{}", self.code)
    }
}

const CERTIFICATE_SELECT: &str = "SELECT c.id, c.certification_id, c.user_id, u.display_name AS holder,
    u.email AS holder_email, d.title_en, d.title_zh, c.code, c.issued_at, c.expires_at, c.revoked_at,
    c.revoke_reason, r.display_name AS revoked_by
    FROM certificates c JOIN users u ON u.id = c.user_id JOIN certifications d ON d.id = c.certification_id
    LEFT JOIN users r ON r.id = c.revoked_by";

fn certificate_from_row(r: &AnyRow) -> Result<Certificate> {
    Ok(Certificate {
        id: r.try_get("id")?,
        certification_id: r.try_get("certification_id")?,
        user_id: r.try_get("user_id")?,
        holder: r.try_get("holder")?,
        holder_email: r.try_get("holder_email")?,
        title_en: r.try_get("title_en")?,
        title_zh: r.try_get("title_zh")?,
        code: r.try_get("code")?,
        issued_at: r.try_get("issued_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
        revoke_reason: r.try_get("revoke_reason")?,
        revoked_by: r.try_get("revoked_by")?,
    })
}

async fn certificates_where(db: &Db, filter: &str, bind: Option<i64>) -> Result<Vec<Certificate>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE_SELECT} {filter} ORDER BY c.issued_at DESC, c.id DESC"
    )))
    .bind(bind.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(certificate_from_row).collect()
}

pub async fn certificates_of(db: &Db, user_id: i64) -> Result<Vec<Certificate>> {
    certificates_where(db, "WHERE c.user_id = $1", Some(user_id)).await
}

/// Every certificate, newest first (instructor and admin lists).
pub async fn all_certificates(db: &Db) -> Result<Vec<Certificate>> {
    certificates_where(db, "WHERE c.id > $1", None).await
}

/// Certificates of the trainees in the teams `supervisor_id` supervises.
pub async fn team_certificates(db: &Db, supervisor_id: i64) -> Result<Vec<Certificate>> {
    certificates_where(
        db,
        "WHERE c.user_id IN (SELECT m.user_id FROM team_members m WHERE m.kind = 'member' AND m.team_id IN
           (SELECT s.team_id FROM team_members s WHERE s.user_id = $1 AND s.kind = 'supervisor'))",
        Some(supervisor_id),
    )
    .await
}

pub async fn certificate(db: &Db, id: i64) -> Result<Option<Certificate>> {
    Ok(certificates_where(db, "WHERE c.id = $1", Some(id))
        .await?
        .into_iter()
        .next())
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Certificate>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE_SELECT} WHERE c.code = $1"
    )))
    .bind(code)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(certificate_from_row).transpose()
}

/// Does the user hold this certification's place: a certificate not yet expired (revoked or not; a
/// revoked certificate is not replaced automatically before the date it would have expired)?
pub async fn holds_place(db: &Db, certification_id: i64, user_id: i64, now: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT id FROM certificates WHERE certification_id = $1 AND user_id = $2 AND active = 1 AND expires_at > $3",
    )
    .bind(certification_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

/// Issues a certificate unless the user already holds the place. An expired certificate gives the
/// place up here; the partial unique index on active certificates makes a second, simultaneous issue
/// a no-op. Returns the new certificate's id.
pub async fn issue(
    db: &Db,
    certification_id: i64,
    user_id: i64,
    code: &str,
    issued_at: i64,
    expires_at: i64,
) -> Result<Option<i64>> {
    let mut tx = db.writer.begin().await?;
    sqlx::query(
        "UPDATE certificates SET active = 0
         WHERE certification_id = $1 AND user_id = $2 AND active = 1 AND expires_at <= $3",
    )
    .bind(certification_id)
    .bind(user_id)
    .bind(issued_at)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "INSERT INTO certificates (certification_id, user_id, code, issued_at, expires_at, active)
         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(certification_id)
    .bind(user_id)
    .bind(code)
    .bind(issued_at)
    .bind(expires_at)
    .fetch_all(&mut *tx)
    .await?;
    let Some(row) = rows.first() else {
        tx.rollback().await?;
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    tx.commit().await?;
    Ok(Some(id))
}

/// What a revoke did.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    Done,
    AlreadyRevoked,
    NoSuchCertificate,
}

pub async fn revoke(db: &Db, id: i64, admin_id: i64, reason: &str, now: i64) -> Result<Revoked> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $1, revoked_by = $2, revoke_reason = $3
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(admin_id)
    .bind(reason)
    .bind(id)
    .execute(&db.writer)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(Revoked::Done);
    }
    let exists = sqlx::query("SELECT id FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.writer)
        .await?;
    Ok(if exists.is_some() {
        Revoked::AlreadyRevoked
    } else {
        Revoked::NoSuchCertificate
    })
}
