//! Certification: instructors define what earns a certificate (required courses, a lab record, an
//! exam quiz, a validity period); trainees who meet every requirement get a certificate with a public
//! verification code. Requirement evaluation is in `requirements.rs` (pure), SQL in `store.rs`, pages
//! in `routes.rs`. The demo certification is seeded from `content/certifications.toml`.

pub mod requirements;
pub mod routes;
pub mod store;

use std::borrow::Borrow;
use std::path::Path;

use serde::Deserialize;

use crate::db::Db;
use crate::web::i18n::Locale;

/// A certificate expiring within this many milliseconds is announced to its holder and supervisor.
pub const EXPIRY_NOTICE_MS: i64 = 30 * 24 * 3_600_000;

/// The per-intent minimum judges only intents seen at least this often in the window, unless the
/// certification says otherwise.
pub const DEFAULT_INTENT_MIN_ITEMS: u32 = 5;

/// A percentage in [0, 100].
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Percent(f64);

impl Percent {
    pub fn new(value: f64) -> Option<Percent> {
        (value.is_finite() && (0.0..=100.0).contains(&value)).then_some(Percent(value))
    }

    /// `85`, `85.5` or `85 %`; anything else (including 150) is refused.
    pub fn parse(raw: &str) -> Option<Percent> {
        let raw = raw.trim().trim_end_matches('%').trim();
        raw.parse::<f64>().ok().and_then(Percent::new)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// `84`, `84.5`: a percentage for people, one decimal at most, never rounded up to a pass.
pub fn format_percent(value: f64) -> String {
    let tenths = (value * 10.0 + 1e-9).floor() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}")
    } else {
        format!("{tenths:.1}")
    }
}

/// The lab part of a certification: accuracy over the last `window` graded answers and a minimum on
/// every intent seen at least `intent_min_items` times among them (see `requirements`).
#[derive(Clone, Debug, PartialEq)]
pub struct LabRule {
    pub window: u32,
    pub accuracy: Percent,
    pub intent_percent: Percent,
    pub intent_min_items: u32,
}

/// The exam part: a quiz and the grade that passes (None: the quiz's own pass mark).
#[derive(Clone, Debug, PartialEq)]
pub struct ExamRule {
    pub quiz_id: i64,
    pub pass_percent: Option<Percent>,
}

/// What earns a certificate, as an instructor defined it.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub id: i64,
    pub slug: String,
    pub title_en: String,
    /// Empty: the English title is shown in Chinese too.
    pub title_zh: String,
    /// Markdown, rendered and sanitised like lessons.
    pub description_en: String,
    pub description_zh: String,
    /// Required course ids.
    pub courses: Vec<i64>,
    pub lab: Option<LabRule>,
    pub exam: Option<ExamRule>,
    pub validity_months: u32,
}

/// The text in the wanted language, else the English one (Chinese is optional in definitions).
pub fn pick<'a>(locale: Locale, en: &'a str, zh: &'a str) -> &'a str {
    let text = locale.pick(en, zh);
    if text.trim().is_empty() { en } else { text }
}

impl Definition {
    pub fn title(&self, locale: impl Borrow<Locale>) -> &str {
        pick(*locale.borrow(), &self.title_en, &self.title_zh)
    }

    pub fn description_html(&self, locale: impl Borrow<Locale>) -> String {
        let text = pick(*locale.borrow(), &self.description_en, &self.description_zh);
        crate::courses::render::render_inline_markdown(text)
    }

    pub fn has_requirement(&self) -> bool {
        !self.courses.is_empty() || self.lab.is_some() || self.exam.is_some()
    }
}

/// A certificate's standing at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Valid,
    Expired,
    Revoked,
}

impl Status {
    /// A revoke outranks expiry: the reason stays visible.
    pub fn at(revoked_at: Option<i64>, expires_at: i64, now: i64) -> Status {
        if revoked_at.is_some() {
            Status::Revoked
        } else if now >= expires_at {
            Status::Expired
        } else {
            Status::Valid
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Status::Valid => "cert.status_valid",
            Status::Expired => "cert.status_expired",
            Status::Revoked => "cert.status_revoked",
        }
    }
}

/// The same day `months` calendar months later (the 31st becomes the month's last day), same time.
pub fn add_months(ms: i64, months: u32) -> i64 {
    let day_ms = 86_400_000;
    let days = ms.div_euclid(day_ms);
    let time = ms.rem_euclid(day_ms);
    let (y, m, d) = crate::web::page::civil_from_days(days);
    let total = y * 12 + i64::from(m - 1) + i64::from(months);
    let (y2, m2) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let d2 = d.min(days_in_month(y2, m2));
    crate::web::page::days_from_civil(y2, m2, d2) * day_ms + time
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The definition form as submitted: text fields, not yet trusted.
#[derive(Clone, Debug, Default)]
pub struct DefinitionInput {
    pub slug: String,
    pub title_en: String,
    pub title_zh: String,
    pub description_en: String,
    pub description_zh: String,
    pub courses: Vec<String>,
    pub lab_window: String,
    pub lab_accuracy: String,
    pub lab_intent_percent: String,
    pub lab_intent_min_items: String,
    pub exam_quiz: String,
    pub exam_pass_percent: String,
    pub validity_months: String,
}

fn whole_number(raw: &str, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    raw.trim().parse::<u32>().ok().filter(|n| range.contains(n))
}

impl DefinitionInput {
    /// The fields of an existing definition, to fill the edit form.
    pub fn of(d: &Definition) -> DefinitionInput {
        let lab = d.lab.as_ref();
        DefinitionInput {
            slug: d.slug.clone(),
            title_en: d.title_en.clone(),
            title_zh: d.title_zh.clone(),
            description_en: d.description_en.clone(),
            description_zh: d.description_zh.clone(),
            courses: d.courses.iter().map(i64::to_string).collect(),
            lab_window: lab.map(|l| l.window.to_string()).unwrap_or_default(),
            lab_accuracy: lab
                .map(|l| format_percent(l.accuracy.value()))
                .unwrap_or_default(),
            lab_intent_percent: lab
                .map(|l| format_percent(l.intent_percent.value()))
                .unwrap_or_default(),
            lab_intent_min_items: lab
                .map(|l| l.intent_min_items.to_string())
                .unwrap_or_default(),
            exam_quiz: d
                .exam
                .as_ref()
                .map(|e| e.quiz_id.to_string())
                .unwrap_or_default(),
            exam_pass_percent: d
                .exam
                .as_ref()
                .and_then(|e| e.pass_percent)
                .map(|p| format_percent(p.value()))
                .unwrap_or_default(),
            validity_months: d.validity_months.to_string(),
        }
    }

    pub fn has_course(&self, id: &i64) -> bool {
        self.courses.iter().any(|c| c.trim() == id.to_string())
    }

    pub fn has_quiz(&self, id: &i64) -> bool {
        self.exam_quiz.trim() == id.to_string()
    }

    /// A definition, or the catalog key of the first thing wrong. Whether the named courses and
    /// quiz exist is the store's question, asked by the caller.
    pub fn parse(&self) -> Result<Definition, &'static str> {
        let slug = self.slug.trim().to_string();
        if !crate::courses::load::is_valid_slug(&slug) {
            return Err("cert.error_slug");
        }
        let title_en = self.title_en.trim().to_string();
        let title_zh = self.title_zh.trim().to_string();
        if title_en.is_empty() || title_en.chars().count() > 120 || title_zh.chars().count() > 120 {
            return Err("cert.error_title");
        }
        if self.description_en.chars().count() > 10_000
            || self.description_zh.chars().count() > 10_000
        {
            return Err("cert.error_description");
        }
        let mut courses = Vec::new();
        for raw in &self.courses {
            let id: i64 = raw.trim().parse().map_err(|_| "error.form_malformed")?;
            if !courses.contains(&id) {
                courses.push(id);
            }
        }
        let lab = match self.lab_window.trim() {
            "" | "0" => None,
            raw => Some(LabRule {
                window: whole_number(raw, 1..=10_000).ok_or("cert.error_lab_window")?,
                accuracy: Percent::parse(&self.lab_accuracy).ok_or("cert.error_percent")?,
                intent_percent: match self.lab_intent_percent.trim() {
                    "" => Percent(0.0),
                    raw => Percent::parse(raw).ok_or("cert.error_percent")?,
                },
                intent_min_items: match self.lab_intent_min_items.trim() {
                    "" => DEFAULT_INTENT_MIN_ITEMS,
                    raw => whole_number(raw, 1..=10_000).ok_or("cert.error_min_items")?,
                },
            }),
        };
        let exam = match self.exam_quiz.trim() {
            "" => None,
            raw => Some(ExamRule {
                quiz_id: raw.parse().map_err(|_| "cert.error_quiz")?,
                pass_percent: match self.exam_pass_percent.trim() {
                    "" => None,
                    raw => Some(Percent::parse(raw).ok_or("cert.error_percent")?),
                },
            }),
        };
        let validity_months =
            whole_number(&self.validity_months, 1..=120).ok_or("cert.error_validity")?;
        let definition = Definition {
            id: 0,
            slug,
            title_en,
            title_zh,
            description_en: self.description_en.trim().to_string(),
            description_zh: self.description_zh.trim().to_string(),
            courses,
            lab,
            exam,
            validity_months,
        };
        if !definition.has_requirement() {
            return Err("cert.error_no_requirement");
        }
        Ok(definition)
    }
}

/// One certification as a user stands with it, after any certificate it earned was issued.
pub struct Standing {
    pub definition: Definition,
    pub evaluation: requirements::Evaluation,
    /// The id of a certificate issued by this review.
    pub issued: Option<i64>,
}

/// Evaluates every certification for a user and issues a certificate for each one met whose place
/// the user does not hold yet (none, or only expired ones).
pub async fn review(db: &Db, user_id: i64, now: i64) -> sqlx::Result<Vec<Standing>> {
    let definitions = store::list(db).await?;
    let mut gatherer = store::Gatherer::new(db, user_id, &definitions);
    let mut standings = Vec::with_capacity(definitions.len());
    for definition in definitions {
        let facts = gatherer.facts(&definition).await?;
        let evaluation = requirements::evaluate(&definition, &facts);
        let issued = if evaluation.all_met()
            && !store::holds_place(db, definition.id, user_id, now).await?
        {
            let expires = add_months(now, definition.validity_months);
            let code = crate::web::random_token();
            let id = store::issue(db, definition.id, user_id, &code, now, expires).await?;
            if let Some(id) = id {
                tracing::info!(user_id, certificate = id, certification = %definition.slug, "certificate issued");
            }
            id
        } else {
            None
        };
        standings.push(Standing {
            definition,
            evaluation,
            issued,
        });
    }
    Ok(standings)
}

/// Issues every certificate the user has just earned and returns them (usually none). Safe to call
/// after any event that may complete a requirement (an exam submitted, a lesson completed); two
/// calls at once issue one certificate.
pub async fn issue_if_met(db: &Db, user_id: i64) -> sqlx::Result<Vec<store::Certificate>> {
    let mut issued = Vec::new();
    for standing in review(db, user_id, crate::db::now_ms()).await? {
        if let Some(id) = standing.issued
            && let Some(certificate) = store::certificate(db, id).await?
        {
            issued.push(certificate);
        }
    }
    Ok(issued)
}

/// `content/certifications.toml`: certifications that seed a new database.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationsFile {
    #[serde(default)]
    pub certification: Vec<CertificationEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub en: String,
    #[serde(rename = "zh-CN", default)]
    pub zh: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationEntry {
    pub slug: String,
    pub title: Bilingual,
    pub description: Option<Bilingual>,
    /// Course slugs.
    #[serde(default)]
    pub courses: Vec<String>,
    pub lab: Option<LabEntry>,
    pub exam: Option<ExamEntry>,
    pub validity_months: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabEntry {
    pub last: u32,
    pub accuracy: f64,
    #[serde(default)]
    pub per_intent: f64,
    #[serde(default = "default_min_items")]
    pub min_items_per_intent: u32,
}

fn default_min_items() -> u32 {
    DEFAULT_INTENT_MIN_ITEMS
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamEntry {
    /// The quiz's slug.
    pub quiz: String,
    /// None: the quiz's own pass mark.
    pub pass_percent: Option<f64>,
}

impl CertificationEntry {
    /// The form-shaped input of this entry, with course and quiz slugs already resolved to ids.
    fn input(&self, course_ids: &[i64], quiz_id: Option<i64>) -> DefinitionInput {
        let description = self.description.as_ref();
        DefinitionInput {
            slug: self.slug.clone(),
            title_en: self.title.en.clone(),
            title_zh: self.title.zh.clone(),
            description_en: description.map(|d| d.en.clone()).unwrap_or_default(),
            description_zh: description.map(|d| d.zh.clone()).unwrap_or_default(),
            courses: course_ids.iter().map(i64::to_string).collect(),
            lab_window: self
                .lab
                .as_ref()
                .map(|l| l.last.to_string())
                .unwrap_or_default(),
            lab_accuracy: self
                .lab
                .as_ref()
                .map(|l| l.accuracy.to_string())
                .unwrap_or_default(),
            lab_intent_percent: self
                .lab
                .as_ref()
                .map(|l| l.per_intent.to_string())
                .unwrap_or_default(),
            lab_intent_min_items: self
                .lab
                .as_ref()
                .map(|l| l.min_items_per_intent.to_string())
                .unwrap_or_default(),
            exam_quiz: quiz_id.map(|id| id.to_string()).unwrap_or_default(),
            exam_pass_percent: self
                .exam
                .as_ref()
                .and_then(|e| e.pass_percent)
                .map(|p| p.to_string())
                .unwrap_or_default(),
            validity_months: self.validity_months.to_string(),
        }
    }
}

pub fn parse_file(text: &str) -> Result<CertificationsFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// Creates the certifications of `root/certifications.toml` that do not exist yet (by slug); one an
/// instructor has since edited is left as it is. An entry whose exam quiz does not exist yet is
/// skipped with a message and tried again at the next load: created without it, the certificate
/// would be earned without an exam. Returns the number created and one message per skipped entry.
pub async fn load_certifications(db: &Db, root: &Path) -> anyhow::Result<(usize, Vec<String>)> {
    let path = root.join("certifications.toml");
    let name = path.display().to_string();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok((0, Vec::new()));
    };
    let file = match parse_file(&text) {
        Ok(f) => f,
        Err(e) => return Ok((0, vec![format!("{name}: {e}")])),
    };
    let mut created = 0;
    let mut problems = Vec::new();
    for entry in &file.certification {
        if store::by_slug(db, &entry.slug).await?.is_some() {
            continue;
        }
        let mut course_ids = Vec::new();
        let mut missing = Vec::new();
        for slug in &entry.courses {
            match crate::courses::store::course_by_slug(db, slug).await? {
                Some(c) => course_ids.push(c.id),
                None => missing.push(slug.as_str()),
            }
        }
        if !missing.is_empty() {
            problems.push(format!(
                "{name}: certification {}: no such course(s): {}",
                entry.slug,
                missing.join(", ")
            ));
            continue;
        }
        let quiz_id = match &entry.exam {
            None => None,
            Some(exam) => match crate::quizzes::quiz::by_slug(db, &exam.quiz).await? {
                Some(q) => Some(q.id),
                None => {
                    problems.push(format!(
                        "{name}: certification {}: exam quiz {:?} does not exist yet; not created (tried again at the next start)",
                        entry.slug, exam.quiz
                    ));
                    continue;
                }
            },
        };
        let definition = match entry.input(&course_ids, quiz_id).parse() {
            Ok(d) => d,
            Err(key) => {
                problems.push(format!(
                    "{name}: certification {}: {}",
                    entry.slug,
                    Locale::En.t(key)
                ));
                continue;
            }
        };
        if store::create(db, &definition, None).await?.is_some() {
            created += 1;
        }
    }
    Ok((created, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::page::{civil_from_days, days_from_civil};

    fn input() -> DefinitionInput {
        DefinitionInput {
            slug: "level-1".into(),
            title_en: "Level 1".into(),
            courses: vec!["3".into(), "4".into(), "3".into()],
            lab_window: "100".into(),
            lab_accuracy: "80".into(),
            lab_intent_percent: "60 %".into(),
            exam_quiz: "7".into(),
            validity_months: "12".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_parses() {
        let d = input().parse().unwrap();
        assert_eq!(d.courses, vec![3, 4]);
        let lab = d.lab.unwrap();
        assert_eq!(
            (lab.window, lab.accuracy.value(), lab.intent_percent.value()),
            (100, 80.0, 60.0)
        );
        assert_eq!(lab.intent_min_items, DEFAULT_INTENT_MIN_ITEMS);
        assert_eq!(
            d.exam,
            Some(ExamRule {
                quiz_id: 7,
                pass_percent: None
            })
        );
        assert_eq!(d.validity_months, 12);
        // The edit form shows what was stored, and parses back to it.
        let again = DefinitionInput::of(&input().parse().unwrap())
            .parse()
            .unwrap();
        assert_eq!(again, input().parse().unwrap());
    }

    #[test]
    fn bad_forms_name_the_problem() {
        type Change = fn(&mut DefinitionInput);
        let cases: Vec<(Change, &str)> = vec![
            (|i| i.slug = "Level 1".into(), "cert.error_slug"),
            (|i| i.title_en = "  ".into(), "cert.error_title"),
            (|i| i.exam_pass_percent = "150".into(), "cert.error_percent"),
            (|i| i.lab_accuracy = "".into(), "cert.error_percent"),
            (|i| i.lab_accuracy = "NaN".into(), "cert.error_percent"),
            (|i| i.lab_intent_percent = "-1".into(), "cert.error_percent"),
            (|i| i.lab_window = "ten".into(), "cert.error_lab_window"),
            (
                |i| i.lab_intent_min_items = "0".into(),
                "cert.error_min_items",
            ),
            (|i| i.exam_quiz = "x".into(), "cert.error_quiz"),
            (|i| i.validity_months = "0".into(), "cert.error_validity"),
            (|i| i.validity_months = "12.5".into(), "cert.error_validity"),
            (
                |i| i.courses = vec!["1 OR 1=1".into()],
                "error.form_malformed",
            ),
            (
                |i| {
                    i.courses.clear();
                    i.lab_window.clear();
                    i.exam_quiz.clear();
                },
                "cert.error_no_requirement",
            ),
        ];
        for (change, key) in cases {
            let mut i = input();
            change(&mut i);
            assert_eq!(i.parse(), Err(key), "{i:?}");
        }
    }

    #[test]
    fn percentages_are_shown_without_rounding_up() {
        assert_eq!(format_percent(84.0), "84");
        assert_eq!(format_percent(84.99), "84.9");
        assert_eq!(format_percent(100.0), "100");
        assert_eq!(format_percent(200.0 / 3.0), "66.6");
        assert!(Percent::parse("100").is_some() && Percent::parse("100.1").is_none());
    }

    #[test]
    fn months_are_calendar_months() {
        let day = 86_400_000;
        // 2026-11-23 09:45 UTC + 12 months = 2027-11-23 09:45 UTC.
        let issued = 1_795_427_100_000;
        assert_eq!(add_months(issued, 12) - issued, 365 * day);
        // 2024-01-31 + 1 month = 2024-02-29 (leap year), + 13 months = 2025-02-28.
        let jan31 = days_from_civil(2024, 1, 31) * day;
        assert_eq!(add_months(jan31, 1), days_from_civil(2024, 2, 29) * day);
        assert_eq!(add_months(jan31, 13), days_from_civil(2025, 2, 28) * day);
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }

    #[test]
    fn status_revoked_outranks_expired() {
        assert_eq!(Status::at(None, 10, 9), Status::Valid);
        assert_eq!(Status::at(None, 10, 10), Status::Expired);
        assert_eq!(Status::at(Some(5), 10, 11), Status::Revoked);
    }

    #[test]
    fn the_shipped_certifications_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/certifications.toml");
        let file = parse_file(&std::fs::read_to_string(path).unwrap()).unwrap();
        let demo = &file.certification[0];
        assert_eq!(demo.courses.len(), 4);
        assert_eq!(demo.exam.as_ref().unwrap().quiz, "final-exam");
        let parsed = demo.input(&[1, 2, 3, 4], Some(9)).parse().unwrap();
        let lab = parsed.lab.unwrap();
        assert_eq!(
            (lab.window, lab.accuracy.value(), lab.intent_percent.value()),
            (100, 80.0, 60.0)
        );
        assert_eq!(parsed.validity_months, 12);
        assert!(!demo.title.zh.is_empty());
    }
}
