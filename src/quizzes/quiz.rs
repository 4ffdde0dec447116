//! A quiz: its settings (which questions, timing, attempts, grading, review) and their storage.
//! Settings are one JSON document, validated here before they are stored.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::settings::{DrawRule, GradingMethod, ReviewTiming};
use crate::db::{Db, now_ms};
use crate::web::i18n::Locale;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Everything an instructor sets on a quiz (Moodle's quiz settings, the ones that matter here).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuizSettings {
    /// Trainees see the quiz only once it is published.
    pub published: bool,
    /// Questions every attempt gets, by bank id, in this order.
    pub questions: Vec<i64>,
    /// Random questions drawn per attempt after the fixed ones, rule by rule (stratified).
    pub draw: Vec<DrawRule>,
    pub shuffle_questions: bool,
    pub shuffle_choices: bool,
    /// Enforced on the server: an overdue attempt is submitted with what was saved.
    pub time_limit_minutes: Option<u32>,
    /// None: unlimited.
    pub max_attempts: Option<u32>,
    pub grading: GradingMethod,
    /// The grade (percent of the marks) that passes.
    pub pass_percent: f64,
    pub open_at: Option<i64>,
    pub close_at: Option<i64>,
    pub review: ReviewTiming,
}

impl Default for QuizSettings {
    fn default() -> Self {
        QuizSettings {
            published: false,
            questions: Vec::new(),
            draw: Vec::new(),
            shuffle_questions: false,
            shuffle_choices: true,
            time_limit_minutes: None,
            max_attempts: None,
            grading: GradingMethod::Highest,
            pass_percent: 80.0,
            open_at: None,
            close_at: None,
            review: ReviewTiming::AfterSubmission,
        }
    }
}

/// Why settings cannot be saved; each names the message shown to the instructor.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("a quiz needs at least one question or draw rule")]
    NoQuestions,
    #[error("the pass mark must be between 0 and 100")]
    PassMark,
    #[error("the quiz must open before it closes")]
    Dates,
    #[error("a draw rule needs a category or a tag, and a count of at least 1")]
    DrawRule,
    #[error("the time limit must be between 1 and 600 minutes")]
    TimeLimit,
}

impl SettingsError {
    pub fn message_key(&self) -> &'static str {
        match self {
            SettingsError::NoQuestions => "quiz.error_no_questions",
            SettingsError::PassMark => "quiz.error_pass_mark",
            SettingsError::Dates => "quiz.error_dates",
            SettingsError::DrawRule => "quiz.error_draw_rule",
            SettingsError::TimeLimit => "quiz.error_time_limit",
        }
    }
}

impl QuizSettings {
    pub fn validate(&self) -> std::result::Result<(), SettingsError> {
        if self.questions.is_empty() && self.draw.is_empty() {
            return Err(SettingsError::NoQuestions);
        }
        if !(0.0..=100.0).contains(&self.pass_percent) || self.pass_percent.is_nan() {
            return Err(SettingsError::PassMark);
        }
        if let (Some(open), Some(close)) = (self.open_at, self.close_at)
            && open >= close
        {
            return Err(SettingsError::Dates);
        }
        if self
            .draw
            .iter()
            .any(|r| r.count == 0 || (r.category.trim().is_empty() && r.tag.trim().is_empty()))
        {
            return Err(SettingsError::DrawRule);
        }
        if self
            .time_limit_minutes
            .is_some_and(|m| !(1..=600).contains(&m))
        {
            return Err(SettingsError::TimeLimit);
        }
        Ok(())
    }

    /// Is the quiz open for new attempts and answers at `now`?
    pub fn is_open(&self, now: i64) -> bool {
        self.open_at.is_none_or(|o| now >= o) && self.close_at.is_none_or(|c| now < c)
    }

    pub fn time_limit_ms(&self) -> Option<i64> {
        self.time_limit_minutes.map(|m| i64::from(m) * 60_000)
    }

    /// How many questions an attempt gets.
    pub fn question_count(&self) -> usize {
        self.questions.len() + self.draw.iter().map(|r| r.count).sum::<usize>()
    }
}

#[derive(Clone, Debug)]
pub struct Quiz {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub title_zh: String,
    pub intro: String,
    pub intro_zh: String,
    pub settings: QuizSettings,
    pub updated_at: i64,
}

/// A quiz's title and introduction (markdown) in English and Simplified Chinese.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuizTexts {
    pub title: String,
    pub title_zh: String,
    pub intro: String,
    pub intro_zh: String,
}

impl QuizTexts {
    /// A title alone, in English (a quiz created before its texts are written).
    pub fn english(title: &str) -> QuizTexts {
        QuizTexts {
            title: title.to_string(),
            ..QuizTexts::default()
        }
    }
}

/// The text for `locale`: the Chinese one when there is one, else the English.
fn in_locale<'a>(locale: Locale, en: &'a str, zh: &'a str) -> &'a str {
    if zh.trim().is_empty() {
        en
    } else {
        locale.pick(en, zh)
    }
}

impl Quiz {
    pub fn title_in(&self, locale: impl std::borrow::Borrow<Locale>) -> &str {
        in_locale(*locale.borrow(), &self.title, &self.title_zh)
    }

    pub fn intro_html(&self, locale: impl std::borrow::Borrow<Locale>) -> String {
        crate::courses::render::render_inline_markdown(in_locale(
            *locale.borrow(),
            &self.intro,
            &self.intro_zh,
        ))
    }
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Quiz> {
    let settings: String = r.try_get("settings")?;
    Ok(Quiz {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        title_zh: r.try_get("title_zh")?,
        intro: r.try_get("intro")?,
        intro_zh: r.try_get("intro_zh")?,
        settings: serde_json::from_str(&settings).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        updated_at: r.try_get("updated_at")?,
    })
}

const SELECT: &str =
    "SELECT id, slug, title, title_zh, intro, intro_zh, settings, updated_at FROM quizzes";

pub async fn list(db: &Db) -> Result<Vec<Quiz>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY title")))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Quiz>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Quiz>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn settings_json(settings: &QuizSettings) -> String {
    serde_json::to_string(settings).unwrap_or_default()
}

/// Creates a quiz; None when the slug is taken.
pub async fn create(
    db: &Db,
    slug: &str,
    texts: &QuizTexts,
    settings: &QuizSettings,
    user_id: Option<i64>,
) -> Result<Option<i64>> {
    let now = now_ms();
    let rows = sqlx::query(
        "INSERT INTO quizzes (slug, title, title_zh, intro, intro_zh, settings, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(slug)
    .bind(&texts.title)
    .bind(&texts.title_zh)
    .bind(&texts.intro)
    .bind(&texts.intro_zh)
    .bind(settings_json(settings))
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.writer)
    .await?;
    rows.first().map(|r| r.try_get("id")).transpose()
}

pub async fn update(db: &Db, id: i64, texts: &QuizTexts, settings: &QuizSettings) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE quizzes SET title = $1, title_zh = $2, intro = $3, intro_zh = $4, settings = $5,
         updated_at = $6 WHERE id = $7",
    )
    .bind(&texts.title)
    .bind(&texts.title_zh)
    .bind(&texts.intro)
    .bind(&texts.intro_zh)
    .bind(settings_json(settings))
    .bind(now_ms())
    .bind(id)
    .execute(&db.writer)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A quiz as a file under `content/quizzes/*.quiz.toml` defines it: questions by category path and
/// name, draw rules by category and/or tag.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizFile {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub intro_zh: String,
    /// `category/name` of fixed questions.
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default)]
    pub draw: Vec<DrawRule>,
    #[serde(default)]
    pub shuffle_questions: bool,
    #[serde(default = "yes")]
    pub shuffle_choices: bool,
    pub time_limit_minutes: Option<u32>,
    pub max_attempts: Option<u32>,
    #[serde(default = "highest")]
    pub grading: GradingMethod,
    pub pass_percent: f64,
    #[serde(default = "after_submission")]
    pub review: ReviewTiming,
}

fn yes() -> bool {
    true
}
fn highest() -> GradingMethod {
    GradingMethod::Highest
}
fn after_submission() -> ReviewTiming {
    ReviewTiming::AfterSubmission
}

/// Creates the quizzes defined under `root/quizzes/*.quiz.toml` that do not exist yet. A quiz an
/// instructor has since edited in the browser is left as it is (the browser is where quizzes are
/// tuned; the files only seed them). Returns the number created and one message per broken file.
pub async fn load_quiz_files(
    db: &Db,
    root: &std::path::Path,
) -> anyhow::Result<(usize, Vec<String>)> {
    let dir = root.join("quizzes");
    let mut created = 0;
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok((0, errors));
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".quiz.toml"))
        .collect();
    files.sort();
    for path in files {
        let name = path.display().to_string();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| toml::from_str::<QuizFile>(&t).map_err(|e| e.to_string()));
        let file = match parsed {
            Ok(f) => f,
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        if by_slug(db, &file.slug).await?.is_some() {
            continue;
        }
        let mut ids = Vec::new();
        let mut missing = Vec::new();
        for q in &file.questions {
            let (category, qname) = q.rsplit_once('/').unwrap_or(("", q));
            match super::store::id_by_name(db, category, qname).await? {
                Some(id) => ids.push(id),
                None => missing.push(q.clone()),
            }
        }
        if !missing.is_empty() {
            errors.push(format!(
                "{name}: no such question(s): {}",
                missing.join(", ")
            ));
            continue;
        }
        let settings = QuizSettings {
            published: true,
            questions: ids,
            draw: file.draw,
            shuffle_questions: file.shuffle_questions,
            shuffle_choices: file.shuffle_choices,
            time_limit_minutes: file.time_limit_minutes,
            max_attempts: file.max_attempts,
            grading: file.grading,
            pass_percent: file.pass_percent,
            open_at: None,
            close_at: None,
            review: file.review,
        };
        if let Err(e) = settings.validate() {
            errors.push(format!("{name}: {e}"));
            continue;
        }
        let texts = QuizTexts {
            title: file.title.clone(),
            title_zh: file.title_zh.clone(),
            intro: file.intro.clone(),
            intro_zh: file.intro_zh.clone(),
        };
        if create(db, &file.slug, &texts, &settings, None)
            .await?
            .is_some()
        {
            created += 1;
        }
    }
    Ok((created, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_validated() {
        let mut s = QuizSettings::default();
        assert_eq!(s.validate(), Err(SettingsError::NoQuestions));
        s.questions = vec![1];
        assert_eq!(s.validate(), Ok(()));
        s.pass_percent = 101.0;
        assert_eq!(s.validate(), Err(SettingsError::PassMark));
        s.pass_percent = 50.0;
        s.open_at = Some(10);
        s.close_at = Some(10);
        assert_eq!(s.validate(), Err(SettingsError::Dates));
        s.close_at = Some(11);
        s.draw = vec![DrawRule {
            category: "a".into(),
            tag: String::new(),
            count: 0,
        }];
        assert_eq!(s.validate(), Err(SettingsError::DrawRule));
        s.draw[0].count = 2;
        s.time_limit_minutes = Some(0);
        assert_eq!(s.validate(), Err(SettingsError::TimeLimit));
        s.time_limit_minutes = Some(20);
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.question_count(), 3);
        assert!(!s.is_open(9) && s.is_open(10) && !s.is_open(11));
    }

    #[test]
    fn old_settings_documents_still_load() {
        // A setting added later takes its default in quizzes stored before it existed.
        let s: QuizSettings =
            serde_json::from_str(r#"{"questions":[3],"pass_percent":70}"#).unwrap();
        assert_eq!(s.questions, vec![3]);
        assert_eq!(s.pass_percent, 70.0);
        assert_eq!(s.grading, GradingMethod::Highest);
    }
}
