//! Instructor pages of quizzes: create and set up a quiz, its results (and CSV), regrading after a
//! question fix, item analysis, and the queue of essays to grade.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::analysis::{self, AttemptScores, ItemStats, QuestionInfo, TestStats};
use super::attempts::{self, Attempt, PendingEssay, RegradeReport, Slot};
use super::gift::QuestionKind;
use super::quiz::{self, Quiz, QuizSettings};
use super::scoring::Response;
use super::settings::{DrawRule, GradingMethod, ReviewTiming};
use super::store::{self, BankQuestion};
use super::view::fmt_mark;
use crate::app::AppState;
use crate::db::now_ms;
use crate::web::page::{see_other, see_other_with_flash};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render, render_status};

type Page = Result<HttpResponse, AppError>;

async fn quiz_or_404(state: &AppState, id: i64) -> Result<Quiz, AppError> {
    quiz::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub struct QuizSummary {
    pub quiz: Quiz,
    pub attempts: usize,
    pub to_grade: usize,
}

#[derive(Template)]
#[template(path = "quizzes/instruct_list.html")]
struct ListPage {
    ctx: Ctx,
    quizzes: Vec<QuizSummary>,
    error: Option<String>,
}

async fn list_page(ctx: Ctx, state: &AppState, error: Option<&'static str>) -> Page {
    let mut quizzes = Vec::new();
    for quiz in quiz::list(&state.db).await? {
        let all = attempts::of_quiz(&state.db, quiz.id).await?;
        quizzes.push(QuizSummary {
            attempts: all.iter().filter(|a| a.finished).count(),
            to_grade: all.iter().filter(|a| a.needs_grading).count(),
            quiz,
        });
    }
    let (status, error) = form_outcome(&ctx, error);
    render_status(
        status,
        &ListPage {
            ctx,
            quizzes,
            error,
        },
    )
}

/// A form page's status and message: 422 with the message when the form was refused.
fn form_outcome(
    ctx: &Ctx,
    error: Option<&'static str>,
) -> (actix_web::http::StatusCode, Option<String>) {
    match error {
        Some(key) => (
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            Some(ctx.t(key).to_string()),
        ),
        None => (actix_web::http::StatusCode::OK, None),
    }
}

pub async fn list(ctx: Ctx, state: web::Data<AppState>) -> Page {
    list_page(ctx, &state, None).await
}

/// A quiz's short name: a slug as courses have them (`courses::load::is_valid_slug`), at least
/// two characters.
pub fn valid_slug(slug: &str) -> bool {
    slug.len() >= 2 && crate::courses::load::is_valid_slug(slug)
}

/// `POST /instruct/quizzes`: a new draft quiz, then its settings page.
pub async fn create(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let slug = form.get("slug").trim().to_lowercase();
    let title = form.get("title").trim();
    if !valid_slug(&slug) || title.is_empty() || title.chars().count() > 200 {
        return list_page(ctx, &state, Some("quiz.error_slug")).await;
    }
    let settings = QuizSettings::default();
    let texts = quiz::QuizTexts::english(title);
    match quiz::create(&state.db, &slug, &texts, &settings, Some(user.id)).await? {
        Some(id) => Ok(see_other(&format!("/instruct/quizzes/{id}"))),
        None => list_page(ctx, &state, Some("quiz.error_slug_taken")).await,
    }
}

/// A category of the bank with its questions, for the fixed-question picker.
pub struct CategoryGroup {
    pub path: String,
    pub questions: Vec<BankQuestion>,
    pub selected: usize,
}

#[derive(Template)]
#[template(path = "quizzes/edit.html")]
struct EditPage {
    ctx: Ctx,
    quiz: Quiz,
    groups: Vec<CategoryGroup>,
    categories: Vec<String>,
    /// Every tag in the bank, offered in the draw rules.
    tags: Vec<String>,
    /// The draw rules plus empty rows to add more.
    rules: Vec<DrawRule>,
    error: Option<String>,
}

impl EditPage {
    fn selected(&self, id: &i64) -> bool {
        self.quiz.settings.questions.contains(id)
    }

    fn date_value(&self, ms: &Option<i64>) -> String {
        ms.map(datetime_local).unwrap_or_default()
    }

    fn grading_methods(&self) -> [GradingMethod; 4] {
        GradingMethod::ALL
    }

    fn review_timings(&self) -> [ReviewTiming; 3] {
        ReviewTiming::ALL
    }
}

/// `YYYY-MM-DDTHH:MM` (UTC) for a datetime-local input.
pub fn datetime_local(ms: i64) -> String {
    crate::web::page::format_iso(ms)
        .get(..16)
        .unwrap_or_default()
        .to_string()
}

/// Parses a datetime-local value (UTC) into epoch milliseconds.
pub fn parse_datetime_local(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.split(':').map(|p| p.parse::<i64>());
    let (h, min) = (t.next()?.ok()?, t.next()?.ok()?);
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&h)
        || !(0..60).contains(&min)
    {
        return None;
    }
    let days = crate::web::page::days_from_civil(y, m as u32, day as u32);
    Some(((days * 24 + h) * 60 + min) * 60_000)
}

async fn edit_page(ctx: Ctx, state: &AppState, quiz: Quiz, error: Option<&'static str>) -> Page {
    let bank = store::list(&state.db, "").await?;
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for q in bank {
        let selected = usize::from(quiz.settings.questions.contains(&q.id));
        match groups.last_mut() {
            Some(g) if g.path == q.category => {
                g.selected += selected;
                g.questions.push(q);
            }
            _ => groups.push(CategoryGroup {
                path: q.category.clone(),
                questions: vec![q],
                selected,
            }),
        }
    }
    let mut categories: Vec<String> = Vec::new();
    for g in &groups {
        let parts: Vec<&str> = g.path.split('/').collect();
        for end in 1..=parts.len() {
            let p = parts[..end].join("/");
            if !categories.contains(&p) {
                categories.push(p);
            }
        }
    }
    categories.sort();
    let mut tags: Vec<String> = groups
        .iter()
        .flat_map(|g| g.questions.iter().flat_map(|q| q.body.tags.iter().cloned()))
        .collect();
    tags.sort();
    tags.dedup();
    let mut rules = quiz.settings.draw.clone();
    rules.extend((0..3).map(|_| DrawRule {
        category: String::new(),
        tag: String::new(),
        count: 0,
    }));
    let (status, error) = form_outcome(&ctx, error);
    render_status(
        status,
        &EditPage {
            ctx,
            quiz,
            groups,
            categories,
            tags,
            rules,
            error,
        },
    )
}

pub async fn edit(ctx: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> Page {
    let quiz = quiz_or_404(&state, path.into_inner()).await?;
    edit_page(ctx, &state, quiz, None).await
}

/// Reads the settings form. Err names the message for a field that is not what it should be.
pub fn settings_from_form(form: &FormFields) -> Result<QuizSettings, &'static str> {
    let optional_number = |name: &str| -> Result<Option<u32>, &'static str> {
        let v = form.get(name).trim();
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse::<u32>().map(Some).map_err(|_| "quiz.error_number")
        }
    };
    let optional_date = |name: &str| -> Result<Option<i64>, &'static str> {
        let v = form.get(name).trim();
        if v.is_empty() {
            Ok(None)
        } else {
            parse_datetime_local(v).map(Some).ok_or("quiz.error_date")
        }
    };
    let questions = form
        .all("question")
        .iter()
        .map(|v| v.parse::<i64>().map_err(|_| "error.form_malformed"))
        .collect::<Result<Vec<i64>, _>>()?;
    let mut draw = Vec::new();
    let (categories, counts) = (form.all("draw_category"), form.all("draw_count"));
    let tags = form.all("draw_tag");
    for (i, (category, count)) in categories.iter().zip(counts).enumerate() {
        let count = count.trim();
        let tag = tags.get(i).map_or("", |t| t.trim()).to_lowercase();
        if category.trim().is_empty() && tag.is_empty() && (count.is_empty() || count == "0") {
            continue;
        }
        draw.push(DrawRule {
            category: category.trim().to_string(),
            tag,
            count: count.parse().map_err(|_| "quiz.error_draw_rule")?,
        });
    }
    let settings = QuizSettings {
        published: form.get("published") == "on",
        questions,
        draw,
        shuffle_questions: form.get("shuffle_questions") == "on",
        shuffle_choices: form.get("shuffle_choices") == "on",
        time_limit_minutes: optional_number("time_limit_minutes")?,
        max_attempts: optional_number("max_attempts")?.filter(|n| *n > 0),
        grading: GradingMethod::parse(form.get("grading")).ok_or("error.form_malformed")?,
        pass_percent: form
            .get("pass_percent")
            .trim()
            .parse()
            .map_err(|_| "quiz.error_pass_mark")?,
        open_at: optional_date("open_at")?,
        close_at: optional_date("close_at")?,
        review: ReviewTiming::parse(form.get("review")).ok_or("error.form_malformed")?,
    };
    settings.validate().map_err(|e| e.message_key())?;
    Ok(settings)
}

pub async fn save(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: FormFields,
) -> Page {
    let mut quiz = quiz_or_404(&state, path.into_inner()).await?;
    let texts = quiz::QuizTexts {
        title: form.get("title").trim().to_string(),
        title_zh: form.get("title_zh").trim().to_string(),
        intro: form.get("intro").replace("\r\n", "\n"),
        intro_zh: form.get("intro_zh").replace("\r\n", "\n"),
    };
    let parsed = settings_from_form(&form);
    quiz.title = texts.title.clone();
    quiz.title_zh = texts.title_zh.clone();
    quiz.intro = texts.intro.clone();
    quiz.intro_zh = texts.intro_zh.clone();
    if texts.title.is_empty()
        || texts.title.chars().count() > 200
        || texts.title_zh.chars().count() > 200
    {
        return edit_page(ctx, &state, quiz, Some("quiz.error_title")).await;
    }
    let settings = match parsed {
        Ok(s) => s,
        Err(key) => return edit_page(ctx, &state, quiz, Some(key)).await,
    };
    // Every fixed question must exist: an unknown id is a tampered form.
    let bank: Vec<i64> = store::list(&state.db, "")
        .await?
        .iter()
        .map(|q| q.id)
        .collect();
    if settings.questions.iter().any(|id| !bank.contains(id)) {
        return Err(AppError::BadRequest("error.form_malformed"));
    }
    quiz::update(&state.db, quiz.id, &texts, &settings).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/quizzes/{}", quiz.id),
        "quiz.settings_saved",
    ))
}

/// One row of the results table.
pub struct ResultRow {
    pub attempt: Attempt,
    pub trainee: String,
    pub email: String,
    /// The trainee's quiz grade by the grading method (shown on their first row).
    pub quiz_grade: Option<f64>,
    pub first_of_trainee: bool,
}

impl ResultRow {
    pub fn grade_text(&self) -> String {
        match (
            self.attempt.finished,
            self.attempt.needs_grading,
            self.attempt.percent(),
        ) {
            (false, _, _) => String::new(),
            (_, true, _) => "…".into(),
            (_, _, Some(p)) => format!("{}%", fmt_mark(p)),
            _ => String::new(),
        }
    }

    pub fn seconds(&self) -> Option<i64> {
        self.attempt
            .submitted_at
            .map(|s| (s - self.attempt.started_at).max(0) / 1000)
    }
}

async fn result_rows(state: &AppState, quiz: &Quiz) -> Result<Vec<ResultRow>, AppError> {
    attempts::finish_overdue(&state.db, now_ms()).await?;
    let mut rows: Vec<ResultRow> = Vec::new();
    let mut grades: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    let all = attempts::of_quiz(&state.db, quiz.id).await?;
    for a in &all {
        if let Some(p) = a.percent() {
            grades.entry(a.user_id).or_default().push(p);
        }
    }
    let mut names: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for a in all {
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(a.user_id) {
            let u = crate::accounts::store::user_by_id(&state.db, a.user_id).await?;
            slot.insert(u.map(|u| (u.display_name, u.email)).unwrap_or_default());
        }
        let (trainee, email) = names[&a.user_id].clone();
        rows.push(ResultRow {
            quiz_grade: grades
                .get(&a.user_id)
                .and_then(|g| quiz.settings.grading.combine(g)),
            first_of_trainee: false,
            attempt: a,
            trainee,
            email,
        });
    }
    rows.sort_by(|a, b| {
        (
            a.trainee.to_lowercase(),
            a.attempt.user_id,
            a.attempt.attempt_no,
        )
            .cmp(&(
                b.trainee.to_lowercase(),
                b.attempt.user_id,
                b.attempt.attempt_no,
            ))
    });
    for i in 0..rows.len() {
        rows[i].first_of_trainee = i == 0 || rows[i - 1].attempt.user_id != rows[i].attempt.user_id;
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "quizzes/results.html")]
struct ResultsPage {
    ctx: Ctx,
    quiz: Quiz,
    rows: Vec<ResultRow>,
    regrade: Option<RegradeReport>,
}

impl ResultsPage {
    fn passed(&self, grade: &Option<f64>) -> bool {
        grade.is_some_and(|g| g + 1e-9 >= self.quiz.settings.pass_percent)
    }

    fn percent(&self, grade: &f64) -> String {
        format!("{}%", fmt_mark(*grade))
    }
}

pub async fn results(ctx: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> Page {
    let quiz = quiz_or_404(&state, path.into_inner()).await?;
    let rows = result_rows(&state, &quiz).await?;
    render(&ResultsPage {
        ctx,
        quiz,
        rows,
        regrade: None,
    })
}

/// `POST /instruct/quizzes/{id}/regrade`: rescore after a question fix, then the results with
/// what changed.
pub async fn regrade(ctx: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> Page {
    let quiz = quiz_or_404(&state, path.into_inner()).await?;
    let report = attempts::regrade(&state.db, quiz.id).await?;
    let rows = result_rows(&state, &quiz).await?;
    render(&ResultsPage {
        ctx,
        quiz,
        rows,
        regrade: Some(report),
    })
}

/// The results as CSV: one line per attempt, with the trainee's quiz grade.
pub async fn results_csv(state: web::Data<AppState>, path: web::Path<i64>) -> Page {
    let quiz = quiz_or_404(&state, path.into_inner()).await?;
    let rows = result_rows(&state, &quiz).await?;
    let mut out = crate::csv::line(&[
        "trainee",
        "email",
        "attempt",
        "state",
        "started_utc",
        "submitted_utc",
        "seconds",
        "marks",
        "max_marks",
        "grade_percent",
        "quiz_grade_percent",
        "passed",
    ]);
    out.push_str("\r\n");
    for r in &rows {
        let a = &r.attempt;
        let state = match (a.finished, a.needs_grading) {
            (false, _) => "in_progress",
            (true, true) => "needs_grading",
            (true, false) => "finished",
        };
        let pct = |p: Option<f64>| p.map(|p| format!("{p:.2}")).unwrap_or_default();
        out.push_str(&crate::csv::line(&[
            crate::csv::spreadsheet_safe(&r.trainee),
            crate::csv::spreadsheet_safe(&r.email),
            a.attempt_no.to_string(),
            state.to_string(),
            crate::web::page::format_iso(a.started_at),
            a.submitted_at
                .map(crate::web::page::format_iso)
                .unwrap_or_default(),
            r.seconds().map(|s| s.to_string()).unwrap_or_default(),
            a.marks.map(|m| format!("{m:.2}")).unwrap_or_default(),
            format!("{:.2}", a.max_marks),
            pct(a.percent()),
            pct(r.quiz_grade),
            r.quiz_grade
                .map(|g| (g + 1e-9 >= quiz.settings.pass_percent).to_string())
                .unwrap_or_default(),
        ]));
        out.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{}-results.csv\"", quiz.slug),
        ))
        .body(out))
}

/// One question's line in the item analysis.
pub struct ItemRow {
    pub question_id: i64,
    pub name: String,
    pub qtype: String,
    pub stats: ItemStats,
    /// (response, count, share of attempts), most frequent first.
    pub responses: Vec<(String, usize, f64)>,
    pub right: Vec<String>,
}

/// What the statistics need, from the graded attempts: one column per question (by bank id, in
/// order of first appearance), the marks each attempt got for it, and the responses given.
pub fn item_analysis(graded: &[(Attempt, Vec<Slot>)]) -> (Vec<ItemRow>, TestStats) {
    let mut order: Vec<i64> = Vec::new();
    let mut names: BTreeMap<i64, &Slot> = BTreeMap::new();
    for (_, slots) in graded {
        for s in slots {
            if matches!(s.question.kind, QuestionKind::Description) {
                continue;
            }
            if !order.contains(&s.question_id) {
                order.push(s.question_id);
            }
            names.entry(s.question_id).or_insert(s);
        }
    }
    let questions: Vec<QuestionInfo> = order
        .iter()
        .map(|id| QuestionInfo {
            max_mark: names[id].max_mark,
        })
        .collect();
    let scores: Vec<AttemptScores> = graded
        .iter()
        .map(|(a, slots)| AttemptScores {
            attempt_id: a.id,
            marks: order
                .iter()
                .map(|id| {
                    slots
                        .iter()
                        .find(|s| s.question_id == *id)
                        .map(|s| s.mark().unwrap_or(0.0))
                })
                .collect(),
            total: a.marks.unwrap_or(0.0),
        })
        .collect();
    let stats = analysis::analyse(&questions, &scores);
    let rows = order
        .iter()
        .zip(stats)
        .map(|(id, stats)| {
            let first = names[id];
            let given: Vec<&Slot> = graded
                .iter()
                .filter_map(|(_, slots)| slots.iter().find(|s| s.question_id == *id))
                .collect();
            let responses = match &first.question.kind {
                QuestionKind::Multichoice { single: false, .. } => analysis::choice_frequencies(
                    &given
                        .iter()
                        .map(|s| match &s.response {
                            Some(Response::Choices { picked }) => Some(
                                picked
                                    .iter()
                                    .map(|i| answer_label(&s.question, *i))
                                    .collect(),
                            ),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => analysis::response_frequencies(
                    &given
                        .iter()
                        .map(|s| s.response.as_ref().map(|r| response_label(&s.question, r)))
                        .collect::<Vec<_>>(),
                ),
            };
            ItemRow {
                question_id: *id,
                name: first.question.name.clone(),
                qtype: first.question.kind.type_name().to_string(),
                stats,
                right: right_labels(&first.question),
                responses,
            }
        })
        .collect();
    (rows, analysis::test_stats(&questions, &scores))
}

/// An answer of the bank as inline HTML (rendered and sanitised like the question).
fn answer_label(q: &super::gift::Question, i: usize) -> String {
    match &q.kind {
        QuestionKind::Multichoice { answers, .. } => answers
            .get(i)
            .map(|a| super::view::strip_p(&super::text_html(&a.text, q.format)))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// What a trainee typed, escaped.
fn typed(text: &str) -> String {
    super::view::strip_p(&super::text_html(
        text.trim(),
        super::gift::TextFormat::Plain,
    ))
}

/// A response as inline HTML, as the response table lists it.
pub fn response_label(q: &super::gift::Question, r: &Response) -> String {
    match r {
        Response::Choices { picked } => picked
            .iter()
            .map(|i| answer_label(q, *i))
            .collect::<Vec<_>>()
            .join("; "),
        Response::Truth { value } => if *value { "True" } else { "False" }.into(),
        Response::Text { value } => typed(value),
        Response::Matches { chosen } => chosen
            .iter()
            .map(|c| c.as_deref().map(typed).unwrap_or_else(|| "–".into()))
            .collect::<Vec<_>>()
            .join(" | "),
        Response::Labels { intent, emotion } => labels_pair(intent, emotion),
    }
}

/// A classify response as the analysis lists it: `intent · emotion` (slugs, `–` when not picked).
fn labels_pair(intent: &str, emotion: &str) -> String {
    let or_dash = |s: &str| {
        if s.is_empty() {
            "–".to_string()
        } else {
            typed(s)
        }
    };
    format!("{} · {}", or_dash(intent), or_dash(emotion))
}

/// The responses that earn credit, as the same HTML labels, to mark them in the table.
fn right_labels(q: &super::gift::Question) -> Vec<String> {
    match &q.kind {
        QuestionKind::Multichoice { answers, .. } => (0..answers.len())
            .filter(|i| answers[*i].fraction > 0.0)
            .map(|i| answer_label(q, i))
            .collect(),
        QuestionKind::Truefalse { correct, .. } => {
            vec![if *correct { "True" } else { "False" }.into()]
        }
        QuestionKind::Classify(task) => vec![labels_pair(&task.intent, &task.emotion)],
        _ => Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "quizzes/analysis.html")]
struct AnalysisPage {
    ctx: Ctx,
    quiz: Quiz,
    rows: Vec<ItemRow>,
    test: TestStats,
}

impl AnalysisPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{:.2}%", v * 100.0))
            .unwrap_or_else(|| "–".into())
    }

    fn num(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into())
    }

    fn share_value(&self, v: &f64) -> String {
        format!("{:.0}", (v * 100.0).min(100.0))
    }

    fn share(&self, v: &f64) -> String {
        format!("{:.0}%", v * 100.0)
    }

    fn is_right(&self, row: &ItemRow, label: &str) -> bool {
        row.right.iter().any(|r| r == label)
    }

    fn flag_key(&self, flag: &str) -> &'static str {
        match flag {
            analysis::FLAG_NEGATIVE_DISCRIMINATION => "quiz.flag_negative",
            analysis::FLAG_TOO_HARD => "quiz.flag_too_hard",
            analysis::FLAG_TOO_EASY => "quiz.flag_too_easy",
            analysis::FLAG_WEAK_DISCRIMINATION => "quiz.flag_weak",
            _ => "quiz.flag_low_efficiency",
        }
    }
}

pub async fn item_analysis_page(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Page {
    let quiz = quiz_or_404(&state, path.into_inner()).await?;
    let graded = attempts::graded_attempts(&state.db, quiz.id).await?;
    let (rows, test) = item_analysis(&graded);
    render(&AnalysisPage {
        ctx,
        quiz,
        rows,
        test,
    })
}

#[derive(Template)]
#[template(path = "quizzes/grading.html")]
struct GradingPage {
    ctx: Ctx,
    pending: Vec<PendingEssay>,
}

impl GradingPage {
    fn text_of(&self, e: &PendingEssay) -> String {
        match &e.slot.response {
            Some(Response::Text { value }) => value.clone(),
            _ => String::new(),
        }
    }

    fn question_html(&self, e: &PendingEssay) -> String {
        super::text_html(&e.slot.question.text, e.slot.question.format)
    }

    fn guide_html(&self, e: &PendingEssay) -> String {
        super::text_html(&e.slot.question.general_feedback, e.slot.question.format)
    }
}

pub async fn grading_queue(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let pending = attempts::pending_essays(&state.db).await?;
    render(&GradingPage { ctx, pending })
}

/// `POST /instruct/grading/{attempt}/{slot}`: `mark` out of the question's marks and a comment.
pub async fn grade(
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: FormFields,
) -> Page {
    let (attempt_id, slot_no) = path.into_inner();
    let slot = attempts::slot(&state.db, attempt_id, slot_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let mark: f64 = form
        .get("mark")
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| AppError::Unprocessable("quiz.error_mark"))?;
    if !(0.0..=slot.max_mark).contains(&mark) || slot.max_mark <= 0.0 {
        return Err(AppError::Unprocessable("quiz.error_mark"));
    }
    let comment: String = form.get("comment").trim().chars().take(4000).collect();
    let done = attempts::grade_slot(
        &state.db,
        attempt_id,
        slot_no,
        mark / slot.max_mark,
        &comment,
        user.id,
        now_ms(),
    )
    .await?;
    if !done {
        return Err(AppError::Conflict("quiz.not_submitted"));
    }
    Ok(see_other_with_flash(
        &state,
        "/instruct/grading",
        "quiz.graded",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_round_trips() {
        for ms in [0, 1_779_500_000_000, 1_798_761_600_000] {
            let minute = ms - ms % 60_000;
            assert_eq!(parse_datetime_local(&datetime_local(ms)), Some(minute));
        }
        assert_eq!(
            parse_datetime_local("2026-11-23T09:30"),
            Some(1_795_426_200_000)
        );
        assert_eq!(parse_datetime_local("2026-13-01T00:00"), None);
        assert_eq!(parse_datetime_local("yesterday"), None);
    }

    #[test]
    fn slugs() {
        assert!(valid_slug("final-exam"));
        assert!(!valid_slug("Final Exam"));
        assert!(!valid_slug("-x"));
        assert!(!valid_slug("a"));
    }

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        FormFields::from_pairs(pairs)
    }

    #[test]
    fn the_settings_form_is_read_and_checked() {
        let base = [
            ("published", "on"),
            ("question", "4"),
            ("draw_category", "intentdojo/final-exam/intent"),
            ("draw_count", "3"),
            ("draw_category", ""),
            ("draw_count", ""),
            ("time_limit_minutes", "20"),
            ("max_attempts", ""),
            ("grading", "last"),
            ("pass_percent", "75"),
            ("open_at", ""),
            ("close_at", "2026-12-01T00:00"),
            ("review", "after_close"),
        ];
        let s = settings_from_form(&form(&base)).unwrap();
        assert!(s.published && !s.shuffle_questions);
        assert_eq!(s.questions, vec![4]);
        assert_eq!(s.draw.len(), 1);
        assert_eq!(s.time_limit_minutes, Some(20));
        assert_eq!(s.max_attempts, None);
        assert_eq!(s.grading, GradingMethod::Last);
        assert_eq!(s.review, ReviewTiming::AfterClose);
        assert!(s.close_at.is_some());
        let with = |k: &str, v: &str| {
            let mut f: Vec<(&str, &str)> = base.iter().filter(|(n, _)| *n != k).copied().collect();
            f.push((k, v));
            settings_from_form(&form(&f))
        };
        assert_eq!(with("pass_percent", "150"), Err("quiz.error_pass_mark"));
        assert_eq!(with("time_limit_minutes", "soon"), Err("quiz.error_number"));
        assert_eq!(with("close_at", "tomorrow"), Err("quiz.error_date"));
        assert_eq!(with("grading", "best"), Err("error.form_malformed"));
        assert_eq!(with("question", "1 OR 1=1"), Err("error.form_malformed"));
    }
}
