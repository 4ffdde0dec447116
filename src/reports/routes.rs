//! Dashboard pages: the trainee's progress, the supervisor's team table with its drill-downs (per
//! trainee, intent and language), the team confusion matrix, and the CSV exports.
//!
//! Supervisors see the trainees of the teams they supervise; administrators see every team. A
//! trainee outside the viewer's teams is answered with 404, as if they did not exist.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::charts::{self, Bar, BarText, Cell, HeatmapText, TrendPoint, TrendText};
use super::dashboard::{
    self, Answered, Figure, LessonTags, Matrix, QuizResult, SortKey, TeamRow, TeamScope,
};
use super::store::{self, AnswerFilter, Breakdown};
use crate::accounts::Role;
use crate::app::AppState;
use crate::certification::routes::{ChecklistLine, checklist};
use crate::db::now_ms;
use crate::taxonomy::{self, Label, LabelKind};
use crate::web::i18n::{Locale, fill};
use crate::web::page::{format_date, format_utc};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, path_id, render};

type Page = Result<HttpResponse, AppError>;

/// Weeks shown in a trend.
const TREND_WEEKS: usize = 12;
/// Answers per page in the drill-down lists.
const PAGE_SIZE: i64 = 50;
/// The default accuracy threshold of the team table, in percent (the demo certification's bar).
const DEFAULT_THRESHOLD: u32 = 80;

/// Query parameters of the team pages. Everything is optional and lenient: a bad value falls back to
/// the default instead of failing the page.
#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    pub team: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub q: Option<String>,
    pub below: Option<String>,
    pub threshold: Option<String>,
    pub mode: Option<String>,
    pub page: Option<String>,
}

impl DashQuery {
    fn team(&self) -> Option<i64> {
        self.team.as_deref().and_then(|t| t.trim().parse().ok())
    }

    fn threshold(&self) -> u32 {
        self.threshold
            .as_deref()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .filter(|t| *t <= 100)
            .unwrap_or(DEFAULT_THRESHOLD)
    }

    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| *p >= 1 && *p <= 100_000)
            .unwrap_or(1)
    }
}

/// The teams the viewer may see, narrowed to `?team=` when given (404 when it is not theirs).
async fn scope_of(
    state: &AppState,
    user: &SessionUser,
    team: Option<i64>,
) -> Result<TeamScope, AppError> {
    let admin = user.roles.has(Role::Admin);
    let mut teams = store::visible_teams(&state.db, user.id, admin).await?;
    if let Some(id) = team {
        teams.retain(|(t, _)| *t == id);
        if teams.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    Ok(TeamScope { teams })
}

/// A trainee the viewer may drill into, or 404.
async fn trainee_in_scope(
    state: &AppState,
    scope: &TeamScope,
    raw_id: &str,
) -> Result<crate::accounts::store::User, AppError> {
    let id = path_id(raw_id)?;
    if !store::in_scope(&state.db, scope, id).await? {
        return Err(AppError::NotFound);
    }
    crate::accounts::store::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Names for intent and emotion keys in the page's language (the key itself when unknown).
struct Names {
    intents: Vec<Label>,
    emotions: Vec<Label>,
    locale: Locale,
}

impl Names {
    async fn load(state: &AppState, locale: Locale) -> Result<Names, AppError> {
        Ok(Names {
            intents: taxonomy::store::list(&state.db, LabelKind::Intent).await?,
            emotions: taxonomy::store::list(&state.db, LabelKind::Emotion).await?,
            locale,
        })
    }

    fn intent(&self, key: &str) -> String {
        self.intents
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.name(self.locale).to_string())
            .unwrap_or_else(|| key.to_string())
    }

    fn emotion(&self, key: &str) -> String {
        self.emotions
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.name(self.locale).to_string())
            .unwrap_or_else(|| key.to_string())
    }

    fn intent_keys(&self) -> Vec<String> {
        self.intents.iter().map(|l| l.key.clone()).collect()
    }
}

fn intent_opt(names: &Names, key: &Option<String>) -> String {
    key.as_deref().map(|k| names.intent(k)).unwrap_or_default()
}

/// `/team/...?team=3`-style suffix keeping the team filter on links.
fn team_suffix(team: Option<i64>, first: bool) -> String {
    match team {
        Some(t) => format!("{}team={t}", if first { "?" } else { "&" }),
        None => String::new(),
    }
}

fn url_part(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---- the progress view (trainee dashboard, and the supervisor's drill-down) ----

pub struct CourseLine {
    pub title: String,
    pub href: String,
    pub done: usize,
    pub total: usize,
}

impl CourseLine {
    pub fn complete(&self) -> bool {
        self.total > 0 && self.done == self.total
    }
}

pub struct ConfusionLine {
    pub reference: String,
    pub given: String,
    pub count: i64,
    /// (href, title) of the lessons that teach the reference intent.
    pub lessons: Vec<(String, String)>,
}

pub struct CertificationLine {
    pub title: String,
    pub met: bool,
    pub missing: usize,
    pub lines: Vec<ChecklistLine>,
}

pub struct HeldCertificate {
    pub title: String,
    pub status_key: &'static str,
    pub valid: bool,
    pub expires: String,
    pub expires_soon: bool,
}

/// Everything the progress page shows about one trainee.
pub struct Progress {
    pub user_id: i64,
    pub name: String,
    pub courses: Vec<CourseLine>,
    pub quizzes: Vec<QuizResult>,
    pub answered: i64,
    pub overall: Figure,
    pub mine: Figure,
    pub model: Figure,
    pub trend_svg: String,
    pub intents_svg: String,
    pub emotions_svg: String,
    pub languages_svg: String,
    pub confusions: Vec<ConfusionLine>,
    pub certifications: Vec<CertificationLine>,
    pub certificates: Vec<HeldCertificate>,
}

impl Progress {
    pub fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p.floor())
    }

    pub fn courses_done(&self) -> usize {
        self.courses.iter().filter(|c| c.complete()).count()
    }
}

fn lesson_links(
    lessons: &[LessonTags],
    intent: &str,
    confused_with: Option<&str>,
    locale: Locale,
) -> Vec<(String, String)> {
    dashboard::lessons_for_intent(lessons, intent, confused_with, 2)
        .into_iter()
        .map(|l| {
            let title = match locale {
                Locale::ZhCn if !l.title_zh.is_empty() => &l.title_zh,
                _ if !l.title_en.is_empty() => &l.title_en,
                _ => &l.title_zh,
            };
            (l.href.clone(), title.clone())
        })
        .collect()
}

fn bars(
    figures: &[(String, Figure)],
    label: impl Fn(&str) -> String,
    href: impl Fn(&str) -> Option<String>,
    of: &str,
) -> Vec<Bar> {
    figures
        .iter()
        .filter(|(_, f)| f.total > 0)
        .map(|(k, f)| Bar {
            label: label(k),
            value: f.share().unwrap_or(0.0),
            note: fill(
                of,
                &[
                    ("hits", &f.hits.to_string()),
                    ("total", &f.total.to_string()),
                ],
            ),
            href: href(k),
            compare: None,
        })
        .collect()
}

fn trend_svg(ctx: &Ctx, weeks: &[dashboard::WeekFigure], id: &str, who: &str) -> String {
    let weeks = dashboard::trim_leading_empty(weeks, 4);
    let points: Vec<TrendPoint> = weeks
        .iter()
        .map(|w| TrendPoint {
            label: format_date(w.starts_at)[5..].to_string(),
            value: w.figure.share(),
            n: w.figure.total,
        })
        .collect();
    let desc = points
        .iter()
        .filter_map(|p| {
            p.value
                .map(|v| format!("{} {}", p.label, charts::percent_label(v)))
        })
        .collect::<Vec<_>>()
        .join(", ");
    charts::trend_line(
        &points,
        &TrendText {
            id,
            title: &fill(ctx.t("dash.trend_title"), &[("who", who)]),
            desc: if desc.is_empty() {
                ctx.t("dash.no_answers")
            } else {
                &desc
            },
            x_label: ctx.t("dash.week_of"),
            y_label: ctx.t("dash.accuracy"),
            n_note: ctx.t("dash.n_answers_short"),
        },
    )
}

/// Gathers a trainee's progress. `team` is kept on the drill-down links of a supervisor's view;
/// `links` says whether intent and language names link to the team drill-downs.
async fn progress(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    name: &str,
    team_links: Option<Option<i64>>,
) -> Result<Progress, AppError> {
    let db = &state.db;
    let locale = ctx.locale;
    let now = now_ms();
    let names = Names::load(state, locale).await?;

    let courses = crate::courses::store::list_courses(db).await?;
    let lessons = crate::courses::store::lessons(db, None).await?;
    let done = crate::courses::store::progress_of(db, user_id).await?;
    let courses = courses
        .iter()
        .map(|c| {
            let published: Vec<_> = lessons
                .iter()
                .filter(|l| l.course_id == c.id && l.published)
                .collect();
            CourseLine {
                title: c.title(locale).to_string(),
                href: format!("/courses/{}", c.slug),
                done: published
                    .iter()
                    .filter(|l| done.get(&l.id).is_some_and(|p| p.1.is_some()))
                    .count(),
                total: published.len(),
            }
        })
        .collect();

    let (answered, overall) = store::overall(db, user_id).await?;
    let (mine, model) = store::versus_classifier(db, user_id).await?;
    let this_week = store::week_start(now);
    let since = this_week - (TREND_WEEKS as i64 - 1) * 7 * 86_400_000;
    let weeks = dashboard::fill_weeks(
        &store::weekly(db, None, Some(user_id), since).await?,
        this_week,
        TREND_WEEKS,
    );
    let of = ctx.t("dash.hits_of_total");
    let intent_href = |k: &str| {
        team_links.map(|team| format!("/team/intents/{}{}", url_part(k), team_suffix(team, true)))
    };
    let lang_href = |k: &str| {
        team_links.map(|team| format!("/team/languages/{}{}", url_part(k), team_suffix(team, true)))
    };
    let per_intent = store::breakdown(db, user_id, Breakdown::Intent).await?;
    let per_emotion = store::breakdown(db, user_id, Breakdown::Emotion).await?;
    let per_lang = store::breakdown(db, user_id, Breakdown::Language).await?;
    let threshold = Some(f64::from(DEFAULT_THRESHOLD) / 100.0);
    let intents_svg = charts::bar_chart(
        &bars(&per_intent, |k| names.intent(k), intent_href, of),
        threshold,
        &BarText {
            id: "by-intent",
            title: ctx.t("dash.by_intent"),
            desc: ctx.t("dash.by_intent_desc"),
            x_label: ctx.t("dash.accuracy"),
        },
    );
    let emotions_svg = charts::bar_chart(
        &bars(&per_emotion, |k| names.emotion(k), |_| None, of),
        threshold,
        &BarText {
            id: "by-emotion",
            title: ctx.t("dash.by_emotion"),
            desc: ctx.t("dash.by_emotion_desc"),
            x_label: ctx.t("dash.accuracy"),
        },
    );
    let languages_svg = charts::bar_chart(
        &bars(&per_lang, str::to_string, lang_href, of),
        threshold,
        &BarText {
            id: "by-language",
            title: ctx.t("dash.by_language"),
            desc: ctx.t("dash.by_language_desc"),
            x_label: ctx.t("dash.accuracy"),
        },
    );

    let lesson_tags = store::lesson_tags(db).await?;
    let confusions = store::confusions(db, &TeamScope { teams: vec![] }, Some(user_id), true)
        .await?
        .into_iter()
        .take(5)
        .map(|c| ConfusionLine {
            lessons: lesson_links(&lesson_tags, &c.reference, Some(&c.given), locale),
            reference: names.intent(&c.reference),
            given: names.intent(&c.given),
            count: c.count,
        })
        .collect();

    let definitions = crate::certification::store::list(db).await?;
    let mut gatherer = crate::certification::store::Gatherer::new(db, user_id, &definitions);
    let mut certifications = Vec::new();
    for d in &definitions {
        let facts = gatherer.facts(d).await?;
        let evaluation = crate::certification::requirements::evaluate(d, &facts);
        let lines = checklist(&evaluation.checks, locale, &names.intents);
        certifications.push(CertificationLine {
            title: d.title(locale).to_string(),
            met: evaluation.all_met(),
            missing: lines.iter().filter(|l| !l.met).count(),
            lines,
        });
    }
    let certificates = crate::certification::store::certificates_of(db, user_id)
        .await?
        .into_iter()
        .map(|c| {
            let status = c.status(now);
            HeldCertificate {
                title: c.title(locale).to_string(),
                status_key: status.label_key(),
                valid: status == crate::certification::Status::Valid,
                expires: format_date(c.expires_at),
                expires_soon: c.expires_soon(now),
            }
        })
        .collect();

    Ok(Progress {
        user_id,
        name: name.to_string(),
        courses,
        quizzes: store::quiz_results(db, user_id).await?,
        answered,
        overall,
        mine,
        model,
        trend_svg: trend_svg(ctx, &weeks, "trend", name),
        intents_svg,
        emotions_svg,
        languages_svg,
        confusions,
        certifications,
        certificates,
    })
}

#[derive(Template)]
#[template(path = "reports/progress.html")]
struct ProgressPage {
    ctx: Ctx,
    p: Progress,
    /// Set on a supervisor's view: the team filter to keep on links.
    team_view: Option<Option<i64>>,
}

impl ProgressPage {
    fn answers_href(&self) -> String {
        match self.team_view {
            Some(team) => format!(
                "/team/trainees/{}/answers{}",
                self.p.user_id,
                team_suffix(team, true)
            ),
            None => String::new(),
        }
    }

    fn back_href(&self) -> String {
        format!(
            "/team/dashboard{}",
            team_suffix(self.team_view.flatten(), true)
        )
    }
}

/// `GET /me/progress`: the signed-in trainee's dashboard.
pub async fn my_progress(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let p = progress(&state, &ctx, user.id, &user.display_name, None).await?;
    render(&ProgressPage {
        ctx,
        p,
        team_view: None,
    })
}

/// `GET /team/trainees/{id}`: a trainee's dashboard, for their supervisor.
pub async fn trainee(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DashQuery>,
) -> Page {
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let trainee = trainee_in_scope(&state, &scope, &path).await?;
    let p = progress(&state, &ctx, trainee.id, &trainee.display_name, Some(team)).await?;
    render(&ProgressPage {
        ctx,
        p,
        team_view: Some(team),
    })
}

// ---- answer lists ----

pub struct AnswerLine {
    pub a: Answered,
    pub reference: String,
    pub given: String,
    pub classifier: String,
    pub at: String,
}

fn answer_lines(names: &Names, answers: Vec<Answered>) -> Vec<AnswerLine> {
    answers
        .into_iter()
        .map(|a| AnswerLine {
            reference: intent_opt(names, &a.ref_intent),
            given: intent_opt(names, &a.given_intent),
            classifier: intent_opt(names, &a.classifier_intent),
            at: format_utc(a.answered_at),
            a,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/answers.html")]
struct AnswersPage {
    ctx: Ctx,
    heading: String,
    back: (String, String),
    lines: Vec<AnswerLine>,
    show_trainee: bool,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn pager(base: &str, page: i64, full: bool) -> (Option<String>, Option<String>) {
    let sep = if base.contains('?') { '&' } else { '?' };
    (
        (page > 1).then(|| format!("{base}{sep}page={}", page - 1)),
        full.then(|| format!("{base}{sep}page={}", page + 1)),
    )
}

/// `GET /team/trainees/{id}/answers`: a trainee's answers with the messages, newest first, paged.
pub async fn trainee_answers(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DashQuery>,
) -> Page {
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let trainee = trainee_in_scope(&state, &scope, &path).await?;
    let page = query.page();
    let filter = AnswerFilter {
        user: Some(trainee.id),
        ..AnswerFilter::default()
    };
    let answers = store::answers(
        &state.db,
        &scope,
        &filter,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let names = Names::load(&state, ctx.locale).await?;
    let base = format!(
        "/team/trainees/{}/answers{}",
        trainee.id,
        team_suffix(team, true)
    );
    let (prev, next) = pager(&base, page, answers.len() as i64 == PAGE_SIZE);
    render(&AnswersPage {
        heading: fill(ctx.t("dash.answers_of"), &[("name", &trainee.display_name)]),
        back: (
            format!("/team/trainees/{}{}", trainee.id, team_suffix(team, true)),
            trainee.display_name.clone(),
        ),
        lines: answer_lines(&names, answers),
        show_trainee: false,
        page,
        prev,
        next,
        ctx,
    })
}

/// `GET /team/confusion/{reference}/{given}`: the answers behind one cell of the matrix.
pub async fn confusion_cell(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<DashQuery>,
) -> Page {
    let (reference, given) = path.into_inner();
    if !taxonomy::is_valid_key(&reference) || !taxonomy::is_valid_key(&given) {
        return Err(AppError::NotFound);
    }
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let page = query.page();
    let filter = AnswerFilter {
        user: None,
        reference: Some(reference.clone()),
        given: Some(given.clone()),
    };
    let answers = store::answers(
        &state.db,
        &scope,
        &filter,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let names = Names::load(&state, ctx.locale).await?;
    let base = format!(
        "/team/confusion/{}/{}{}",
        url_part(&reference),
        url_part(&given),
        team_suffix(team, true)
    );
    let (prev, next) = pager(&base, page, answers.len() as i64 == PAGE_SIZE);
    render(&AnswersPage {
        heading: fill(
            ctx.t("dash.cell_heading"),
            &[
                ("reference", &names.intent(&reference)),
                ("given", &names.intent(&given)),
            ],
        ),
        back: (
            format!("/team/confusion{}", team_suffix(team, true)),
            ctx.t("dash.confusion_title").to_string(),
        ),
        lines: answer_lines(&names, answers),
        show_trainee: true,
        page,
        prev,
        next,
        ctx,
    })
}

// ---- the team table ----

pub struct TeamChoice {
    pub id: i64,
    pub name: String,
    pub current: bool,
}

pub struct Column {
    pub key: SortKey,
    pub label_key: &'static str,
    pub numeric: bool,
}

#[derive(Template)]
#[template(path = "reports/team.html")]
struct TeamPage {
    ctx: Ctx,
    teams: Vec<TeamChoice>,
    team: Option<i64>,
    scope_names: String,
    rows: Vec<TeamRow>,
    total: usize,
    sort: SortKey,
    desc: bool,
    q: String,
    below: bool,
    threshold: u32,
    now: i64,
    names: Names,
    columns: Vec<Column>,
    trend_svg: String,
    intents_svg: String,
    languages: Vec<(String, Figure)>,
}

impl TeamPage {
    /// The query string of the current filters, with `extra` pairs replacing theirs.
    fn query_with(&self, sort: SortKey, desc: bool) -> String {
        let mut parts = vec![
            format!("sort={}", sort.key()),
            format!("dir={}", if desc { "desc" } else { "asc" }),
        ];
        if let Some(t) = self.team {
            parts.push(format!("team={t}"));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", url_part(&self.q)));
        }
        if self.below {
            parts.push("below=1".into());
        }
        if self.threshold != DEFAULT_THRESHOLD {
            parts.push(format!("threshold={}", self.threshold));
        }
        parts.join("&")
    }

    fn sort_href(&self, key: &SortKey) -> String {
        let desc = if *key == self.sort {
            !self.desc
        } else {
            key.natural_desc()
        };
        format!("/team/dashboard?{}", self.query_with(*key, desc))
    }

    fn csv_href(&self) -> String {
        format!(
            "/team/dashboard.csv?{}",
            self.query_with(self.sort, self.desc)
        )
    }

    fn answers_csv_href(&self) -> String {
        format!("/team/answers.csv{}", team_suffix(self.team, true))
    }

    fn aria_sort(&self, key: &SortKey) -> &'static str {
        match (*key == self.sort, self.desc) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }

    fn arrow(&self, key: &SortKey) -> &'static str {
        match (*key == self.sort, self.desc) {
            (false, _) => "",
            (true, false) => " ▲",
            (true, true) => " ▼",
        }
    }

    fn team_q(&self) -> String {
        team_suffix(self.team, true)
    }

    fn threshold_share(&self) -> f64 {
        f64::from(self.threshold) / 100.0
    }

    fn is_below(&self, r: &TeamRow) -> bool {
        r.below(self.threshold_share())
    }

    fn is_expiring(&self, r: &TeamRow) -> bool {
        r.expiring(self.now)
    }

    fn last_active(&self, r: &TeamRow) -> String {
        r.last_active
            .map(format_date)
            .unwrap_or_else(|| self.ctx.t("common.never").to_string())
    }

    fn quiz(&self, p: &Option<f64>) -> String {
        p.map(|p| format!("{:.0}%", p.floor()))
            .unwrap_or_else(|| "—".into())
    }

    fn median(&self, r: &TeamRow) -> String {
        r.median_seconds()
            .map(|s| format!("{s:.1} s"))
            .unwrap_or_else(|| "—".into())
    }

    fn weakest(&self, r: &TeamRow) -> Option<(String, String, String)> {
        r.weakest.as_ref().map(|w| {
            (
                format!("/team/intents/{}{}", url_part(&w.intent), self.team_q()),
                self.names.intent(&w.intent),
                w.figure.percent(),
            )
        })
    }

    fn certificate(&self, r: &TeamRow) -> (String, String) {
        match r.certificate {
            None => (self.ctx.t("dash.cert_none").to_string(), String::new()),
            Some((status, expires)) => (
                self.ctx.t(status.label_key()).to_string(),
                format_date(expires),
            ),
        }
    }

    fn lang_href(&self, lang: &str) -> String {
        format!("/team/languages/{}{}", url_part(lang), self.team_q())
    }

    fn trainee_href(&self, r: &TeamRow) -> String {
        format!("/team/trainees/{}{}", r.user_id, self.team_q())
    }
}

fn columns() -> Vec<Column> {
    let c = |key, label_key, numeric| Column {
        key,
        label_key,
        numeric,
    };
    vec![
        c(SortKey::Name, "dash.col_trainee", false),
        c(SortKey::LastActive, "dash.col_last_active", false),
        c(SortKey::Lessons, "dash.col_lessons", true),
        c(SortKey::QuizBest, "dash.col_quiz_best", true),
        c(SortKey::QuizLast, "dash.col_quiz_last", true),
        c(SortKey::Answered, "dash.col_answered", true),
        c(SortKey::Week, "dash.col_acc7", true),
        c(SortKey::Month, "dash.col_acc30", true),
        c(SortKey::All, "dash.col_acc_all", true),
        c(SortKey::Median, "dash.col_median", true),
        c(SortKey::Weakest, "dash.col_weakest", false),
        c(SortKey::Certificate, "dash.col_certificate", false),
    ]
}

/// The table's rows after the query's filter and sort.
async fn table(
    state: &AppState,
    scope: &TeamScope,
    query: &DashQuery,
    now: i64,
) -> Result<(Vec<TeamRow>, usize, SortKey, bool), AppError> {
    let all = store::team_rows(&state.db, scope, now).await?;
    let total = all.len();
    let sort = query
        .sort
        .as_deref()
        .and_then(SortKey::parse)
        .unwrap_or(SortKey::Name);
    let desc = match query.dir.as_deref() {
        Some("desc") => true,
        Some("asc") => false,
        _ => sort.natural_desc(),
    };
    let below = query
        .below
        .as_deref()
        .is_some_and(|b| !b.is_empty() && b != "0");
    let threshold = f64::from(query.threshold()) / 100.0;
    let mut rows = dashboard::filter_rows(
        all,
        query.q.as_deref().unwrap_or(""),
        below.then_some(threshold),
    );
    dashboard::sort_rows(&mut rows, sort, desc);
    Ok((rows, total, sort, desc))
}

/// `GET /team/dashboard`: the team table, the team's trend and accuracy per intent.
pub async fn team(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    query: web::Query<DashQuery>,
) -> Page {
    let now = now_ms();
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let all_teams = scope_of(&state, &user, None).await?;
    let (rows, total, sort, desc) = table(&state, &scope, &query, now).await?;
    let names = Names::load(&state, ctx.locale).await?;

    let this_week = store::week_start(now);
    let since = this_week - (TREND_WEEKS as i64 - 1) * 7 * 86_400_000;
    let weeks = dashboard::fill_weeks(
        &store::weekly(&state.db, Some(&scope), None, since).await?,
        this_week,
        TREND_WEEKS,
    );
    let scope_names = scope.names().join(", ");
    let trend_svg = trend_svg(&ctx, &weeks, "team-trend", &scope_names);

    let matrix = Matrix::from_counts(
        &names.intent_keys(),
        &store::confusions(&state.db, &scope, None, false).await?,
    );
    let per_intent: Vec<(String, Figure)> = matrix
        .labels
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                k.clone(),
                Figure::new(matrix.counts[i][i], matrix.row_total(i)),
            )
        })
        .collect();
    let intents_svg = charts::bar_chart(
        &bars(
            &per_intent,
            |k| names.intent(k),
            |k| {
                Some(format!(
                    "/team/intents/{}{}",
                    url_part(k),
                    team_suffix(team, true)
                ))
            },
            ctx.t("dash.hits_of_total"),
        ),
        Some(f64::from(query.threshold()) / 100.0),
        &BarText {
            id: "team-by-intent",
            title: ctx.t("dash.team_by_intent"),
            desc: ctx.t("dash.by_intent_desc"),
            x_label: ctx.t("dash.intent_accuracy"),
        },
    );
    let languages = store::languages(&state.db, &scope).await?;

    render(&TeamPage {
        teams: all_teams
            .teams
            .iter()
            .map(|(id, name)| TeamChoice {
                id: *id,
                name: name.clone(),
                current: Some(*id) == team,
            })
            .collect(),
        team,
        scope_names,
        rows,
        total,
        sort,
        desc,
        q: query.q.clone().unwrap_or_default(),
        below: query
            .below
            .as_deref()
            .is_some_and(|b| !b.is_empty() && b != "0"),
        threshold: query.threshold(),
        now,
        names,
        columns: columns(),
        trend_svg,
        intents_svg,
        languages,
        ctx,
    })
}

fn csv_response(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// `GET /team/dashboard.csv`: the team table as shown (same filters and order).
pub async fn team_csv(
    user: SessionUser,
    state: web::Data<AppState>,
    query: web::Query<DashQuery>,
) -> Page {
    let scope = scope_of(&state, &user, query.team()).await?;
    let (rows, ..) = table(&state, &scope, &query, now_ms()).await?;
    Ok(csv_response("team.csv", dashboard::team_csv(&rows)))
}

/// `GET /team/answers.csv`: every lab answer of the scope's trainees, newest first.
pub async fn answers_csv(
    user: SessionUser,
    state: web::Data<AppState>,
    query: web::Query<DashQuery>,
) -> Page {
    use crate::csv::{line, spreadsheet_safe};
    let scope = scope_of(&state, &user, query.team()).await?;
    let answers = store::answers(&state.db, &scope, &AnswerFilter::default(), i64::MAX, 0).await?;
    let b = |v: Option<bool>| v.map(|x| if x { "1" } else { "0" }).unwrap_or("");
    let mut out = line(&[
        "answer_id",
        "answered_utc",
        "trainee",
        "message_id",
        "lang",
        "text",
        "reference_source",
        "reference_intent",
        "given_intent",
        "intent_correct",
        "reference_emotion",
        "given_emotion",
        "correct",
        "classifier_intent",
        "seconds",
    ]);
    out.push_str("\r\n");
    for a in &answers {
        out.push_str(&line(&[
            a.id.to_string(),
            crate::web::page::format_iso(a.answered_at),
            spreadsheet_safe(&a.trainee),
            a.message_id.to_string(),
            a.lang.clone(),
            spreadsheet_safe(&a.text),
            a.ref_source.clone(),
            a.ref_intent.clone().unwrap_or_default(),
            a.given_intent.clone().unwrap_or_default(),
            b(a.intent_correct).to_string(),
            a.ref_emotion.clone().unwrap_or_default(),
            a.given_emotion.clone().unwrap_or_default(),
            b(a.correct).to_string(),
            a.classifier_intent.clone().unwrap_or_default(),
            a.seconds(),
        ]));
        out.push_str("\r\n");
    }
    Ok(csv_response("answers.csv", out))
}

// ---- drill-downs: intent, language, confusion matrix ----

pub struct IntentLine {
    pub user_id: i64,
    pub name: String,
    pub figure: Figure,
    /// (intent name, count) given instead, most frequent first.
    pub instead: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "reports/intent.html")]
struct IntentPage {
    ctx: Ctx,
    key: String,
    name: String,
    definition: String,
    team: Option<i64>,
    lines: Vec<IntentLine>,
    total: Figure,
    lessons: Vec<(String, String)>,
}

impl IntentPage {
    fn team_q(&self) -> String {
        team_suffix(self.team, true)
    }
}

/// `GET /team/intents/{key}`: which trainees miss an intent, and what they label it instead.
pub async fn intent(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DashQuery>,
) -> Page {
    let key = path.into_inner();
    let names = Names::load(&state, ctx.locale).await?;
    let Some(label) = names.intents.iter().find(|l| l.key == key) else {
        return Err(AppError::NotFound);
    };
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let people = store::trainee_names(&state.db, &scope).await?;
    let mut lines: Vec<IntentLine> = Vec::new();
    for (user_id, given, n) in store::intent_answers(&state.db, &scope, &key).await? {
        let line = match lines.iter_mut().find(|l| l.user_id == user_id) {
            Some(l) => l,
            None => {
                lines.push(IntentLine {
                    user_id,
                    name: people
                        .iter()
                        .find(|p| p.0 == user_id)
                        .map(|p| p.1.clone())
                        .unwrap_or_default(),
                    figure: Figure::default(),
                    instead: Vec::new(),
                });
                lines.last_mut().expect("just pushed")
            }
        };
        line.figure.total += n;
        if given == key {
            line.figure.hits += n;
        } else {
            line.instead.push((names.intent(&given), n));
        }
    }
    let mut total = Figure::default();
    for l in lines.iter_mut() {
        l.instead.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        total.add(l.figure);
    }
    // Who misses it most first: lowest share, then more answers.
    lines.sort_by(|a, b| {
        (a.figure.hits * b.figure.total)
            .cmp(&(b.figure.hits * a.figure.total))
            .then(b.figure.total.cmp(&a.figure.total))
            .then(a.name.cmp(&b.name))
    });
    let lessons = lesson_links(
        &store::lesson_tags(&state.db).await?,
        &key,
        None,
        ctx.locale,
    );
    render(&IntentPage {
        name: label.name(ctx.locale).to_string(),
        definition: label.definition(ctx.locale).to_string(),
        key,
        team,
        lines,
        total,
        lessons,
        ctx,
    })
}

pub struct LanguageLine {
    pub user_id: i64,
    pub name: String,
    pub figure: Figure,
    /// The intent this trainee does worst on in this language (at least 3 answers).
    pub weakest: Option<(String, Figure)>,
}

#[derive(Template)]
#[template(path = "reports/language.html")]
struct LanguagePage {
    ctx: Ctx,
    lang: String,
    team: Option<i64>,
    lines: Vec<LanguageLine>,
    total: Figure,
    intents_svg: String,
}

impl LanguagePage {
    fn team_q(&self) -> String {
        team_suffix(self.team, true)
    }
}

/// `GET /team/languages/{lang}`: the team's accuracy on messages in one language, per trainee and
/// per intent.
pub async fn language(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DashQuery>,
) -> Page {
    let lang = path.into_inner();
    if lang.is_empty()
        || lang.len() > 16
        || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(AppError::NotFound);
    }
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let names = Names::load(&state, ctx.locale).await?;
    let people = store::trainee_names(&state.db, &scope).await?;
    let rows = store::language_answers(&state.db, &scope, &lang).await?;
    let mut lines: Vec<LanguageLine> = Vec::new();
    let mut per_intent: Vec<(String, Figure)> = Vec::new();
    for (user_id, intent, f) in rows {
        match per_intent.iter_mut().find(|(k, _)| *k == intent) {
            Some((_, total)) => total.add(f),
            None => per_intent.push((intent.clone(), f)),
        }
        let line = match lines.iter_mut().find(|l| l.user_id == user_id) {
            Some(l) => l,
            None => {
                lines.push(LanguageLine {
                    user_id,
                    name: people
                        .iter()
                        .find(|p| p.0 == user_id)
                        .map(|p| p.1.clone())
                        .unwrap_or_default(),
                    figure: Figure::default(),
                    weakest: None,
                });
                lines.last_mut().expect("just pushed")
            }
        };
        line.figure.add(f);
        let weaker = f.total >= 3
            && line
                .weakest
                .as_ref()
                .is_none_or(|(_, w)| f.hits * w.total < w.hits * f.total);
        if weaker && !intent.is_empty() {
            line.weakest = Some((names.intent(&intent), f));
        }
    }
    let mut total = Figure::default();
    for l in &lines {
        total.add(l.figure);
    }
    lines.sort_by(|a, b| {
        (a.figure.hits * b.figure.total)
            .cmp(&(b.figure.hits * a.figure.total))
            .then(a.name.cmp(&b.name))
    });
    let order = names.intent_keys();
    per_intent.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(usize::MAX));
    let intents_svg = charts::bar_chart(
        &bars(
            &per_intent,
            |k| names.intent(k),
            |k| {
                Some(format!(
                    "/team/intents/{}{}",
                    url_part(k),
                    team_suffix(team, true)
                ))
            },
            ctx.t("dash.hits_of_total"),
        ),
        Some(f64::from(DEFAULT_THRESHOLD) / 100.0),
        &BarText {
            id: "lang-by-intent",
            title: &fill(ctx.t("dash.lang_by_intent"), &[("lang", &lang)]),
            desc: ctx.t("dash.by_intent_desc"),
            x_label: ctx.t("dash.accuracy"),
        },
    );
    render(&LanguagePage {
        lang,
        team,
        lines,
        total,
        intents_svg,
        ctx,
    })
}

#[derive(Template)]
#[template(path = "reports/confusion.html")]
struct ConfusionPage {
    ctx: Ctx,
    team: Option<i64>,
    normalised: bool,
    svg: String,
    total: i64,
}

impl ConfusionPage {
    fn team_q(&self, first: bool) -> String {
        team_suffix(self.team, first)
    }
}

/// `GET /team/confusion`: the team confusion matrix as a heatmap (`?mode=rows`: row-normalised).
pub async fn confusion(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    query: web::Query<DashQuery>,
) -> Page {
    let team = query.team();
    let scope = scope_of(&state, &user, team).await?;
    let names = Names::load(&state, ctx.locale).await?;
    let matrix = Matrix::from_counts(
        &names.intent_keys(),
        &store::confusions(&state.db, &scope, None, false).await?,
    );
    let normalised = query.mode.as_deref() == Some("rows");
    // Rows and columns with no answer at all are left out: an 18×18 grid of blanks says nothing.
    let used: Vec<usize> = (0..matrix.labels.len())
        .filter(|&i| matrix.row_total(i) > 0 || matrix.counts.iter().any(|r| r[i] > 0))
        .collect();
    let max = matrix.max_count().max(1);
    let label = |i: usize| names.intent(&matrix.labels[i]);
    let rows: Vec<String> = used.iter().map(|&i| label(i)).collect();
    let cells: Vec<Vec<Cell>> = used
        .iter()
        .map(|&i| {
            used.iter()
                .map(|&j| {
                    let count = matrix.counts[i][j];
                    let share = matrix.row_share(i, j);
                    Cell {
                        count,
                        share: if normalised {
                            share
                        } else {
                            count as f64 / max as f64
                        },
                        label: if normalised {
                            // A few answers in a big row: "<1", not a "0" that reads as none.
                            if count > 0 && share < 0.005 {
                                "<1".to_string()
                            } else {
                                format!("{:.0}", share * 100.0)
                            }
                        } else {
                            count.to_string()
                        },
                        href: Some(format!(
                            "/team/confusion/{}/{}{}",
                            url_part(&matrix.labels[i]),
                            url_part(&matrix.labels[j]),
                            team_suffix(team, true)
                        )),
                    }
                })
                .collect()
        })
        .collect();
    let total: i64 = (0..matrix.labels.len()).map(|i| matrix.row_total(i)).sum();
    let svg = charts::heatmap(
        &rows,
        &rows,
        &cells,
        &HeatmapText {
            id: "confusion",
            title: ctx.t(if normalised {
                "dash.confusion_rows_title"
            } else {
                "dash.confusion_counts_title"
            }),
            desc: ctx.t("dash.confusion_desc"),
            row_axis: ctx.t("dash.reference"),
            col_axis: ctx.t("dash.given"),
        },
    );
    render(&ConfusionPage {
        ctx,
        team,
        normalised,
        svg,
        total,
    })
}
