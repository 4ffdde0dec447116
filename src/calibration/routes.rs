//! Calibration pages. Supervisors (and admins) create sessions for their own team, follow progress,
//! close them and read the report with discussion notes; instructors read sessions and reports.
//! Trainees label the items of their sessions blind: no reference, no grade, nobody else's answer.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::store::{self, Session, Stored};
use super::{
    AgainstGold, Answer, Field, FieldReport, Item, Member, Selection, Title, discussion_order,
    field_report, parse_notes,
};
use crate::accounts::Role;
use crate::accounts::store::{self as accounts, MemberKind, TeamPerson};
use crate::app::AppState;
use crate::db::now_ms;
use crate::lab::routes::{Choice, INTENT_KEYS, choices};
use crate::lab::{Labels, cache::Taxonomy};
use crate::reports::agreement::{self, AgreementSummary};
use crate::taxonomy::Label;
use crate::web::i18n::{Locale, fill};
use crate::web::page::{see_other, see_other_with_flash};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, path_id, render, render_status};

type Page = Result<HttpResponse, AppError>;

// ---- who may see what ----

/// How far a staff member may act on a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Admins, and supervisors of the session's team: close, notes.
    Lead,
    /// Instructors: read progress and reports.
    Reader,
}

/// The session if this staff member may see it; anyone else gets 404, as if it did not exist.
async fn staff_session(
    state: &AppState,
    user: &SessionUser,
    raw_id: &str,
) -> Result<(Session, Standing), AppError> {
    let session = store::get(&state.db, path_id(raw_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let lead = user.roles.has(Role::Admin)
        || (user.roles.has(Role::Supervisor)
            && store::supervises(&state.db, user.id, session.team_id).await?);
    if lead {
        Ok((session, Standing::Lead))
    } else if user.roles.has(Role::Instructor) {
        Ok((session, Standing::Reader))
    } else {
        Err(AppError::NotFound)
    }
}

async fn lead_session(
    state: &AppState,
    user: &SessionUser,
    raw_id: &str,
) -> Result<Session, AppError> {
    match staff_session(state, user, raw_id).await? {
        (session, Standing::Lead) => Ok(session),
        (_, Standing::Reader) => Err(AppError::Forbidden),
    }
}

/// The session if this trainee is one of its members; 404 otherwise.
async fn member_session(
    state: &AppState,
    user: &SessionUser,
    raw_id: &str,
) -> Result<Session, AppError> {
    let id = path_id(raw_id)?;
    if !store::is_member(&state.db, id, user.id).await? {
        return Err(AppError::NotFound);
    }
    store::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Teams this user may run sessions for, and the trainees in them.
async fn teams_led(
    state: &AppState,
    user: &SessionUser,
) -> Result<(Vec<(i64, String)>, Vec<TeamPerson>), AppError> {
    if user.roles.has(Role::Admin) {
        let teams = accounts::list_teams(&state.db).await?;
        let mut people = Vec::new();
        for team in &teams {
            people.extend(
                accounts::team_people(&state.db, team.id)
                    .await?
                    .into_iter()
                    .filter(|p| p.kind == MemberKind::Member),
            );
        }
        return Ok((teams.into_iter().map(|t| (t.id, t.name)).collect(), people));
    }
    let teams = accounts::memberships_of(&state.db, user.id)
        .await?
        .into_iter()
        .filter(|m| m.kind == MemberKind::Supervisor)
        .map(|m| (m.team_id, m.team_name))
        .collect();
    let people = accounts::trainees_supervised_by(&state.db, user.id).await?;
    Ok((teams, people))
}

fn label_name(labels: &[Label], key: &str, locale: Locale) -> String {
    labels
        .iter()
        .find(|l| l.key == key)
        .map(|l| l.name(locale).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// A kappa or alpha for people: three decimals, or "n/a" when undefined.
pub fn format_stat(ctx: &Ctx, value: Option<f64>) -> String {
    value.map_or_else(
        || ctx.t("calibration.undefined").to_string(),
        |v| format!("{v:.3}"),
    )
}

/// The Landis & Koch band of a value, in the reader's language.
pub fn band(ctx: &Ctx, value: Option<f64>) -> String {
    let Some(v) = value else {
        return String::new();
    };
    let key = match agreement::landis_koch_band(v) {
        "poor" => "calibration.band_poor",
        "slight" => "calibration.band_slight",
        "fair" => "calibration.band_fair",
        "moderate" => "calibration.band_moderate",
        "substantial" => "calibration.band_substantial",
        _ => "calibration.band_almost_perfect",
    };
    ctx.t(key).to_string()
}

// ---- staff: list, new, overview, close ----

#[derive(Template)]
#[template(path = "calibration/list.html")]
struct ListPage {
    ctx: Ctx,
    sessions: Vec<Session>,
    can_create: bool,
}

pub async fn list(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let sessions = if user.roles.has(Role::Admin) || user.roles.has(Role::Instructor) {
        store::list_all(&state.db).await?
    } else {
        store::list_for_supervisor(&state.db, user.id).await?
    };
    let can_create = user.roles.has(Role::Admin) || user.roles.has(Role::Supervisor);
    render(&ListPage {
        ctx,
        sessions,
        can_create,
    })
}

/// The new-session form's values, kept when it comes back with an error.
#[derive(Default)]
struct NewForm {
    title: String,
    team: i64,
    ids: String,
    lang: String,
    platform: String,
    intent: String,
    split: String,
    count: String,
    trainees: HashSet<i64>,
}

impl NewForm {
    fn from_fields(form: &FormFields) -> NewForm {
        NewForm {
            title: form.get("title").to_string(),
            team: form.get("team").trim().parse().unwrap_or(0),
            ids: form.get("ids").to_string(),
            lang: form.get("lang").to_string(),
            platform: form.get("platform").to_string(),
            intent: form.get("intent").to_string(),
            split: form.get("split").to_string(),
            count: form.get("count").to_string(),
            trainees: form
                .all("trainee")
                .iter()
                .filter_map(|v| v.trim().parse().ok())
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "calibration/new.html")]
struct NewPage {
    ctx: Ctx,
    teams: Vec<(i64, String)>,
    trainees: Vec<TeamPerson>,
    langs: Vec<String>,
    platforms: Vec<String>,
    intents: Vec<(String, String)>,
    form: NewForm,
    error: Option<String>,
}

impl NewPage {
    fn language(&self, tag: &str) -> String {
        crate::courses::routes::language_name(tag).to_string()
    }

    fn platform(&self, key: &str) -> String {
        crate::courses::routes::platform_name(key).to_string()
    }

    fn checked(&self, user_id: &i64) -> bool {
        self.form.trainees.contains(user_id)
    }
}

async fn new_page(
    ctx: Ctx,
    state: &AppState,
    user: &SessionUser,
    form: NewForm,
    error: Option<String>,
) -> Page {
    let (teams, trainees) = teams_led(state, user).await?;
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let page = NewPage {
        intents: taxonomy
            .intents
            .iter()
            .map(|l| (l.key.clone(), l.name(ctx.locale).to_string()))
            .collect(),
        langs: store::corpus_values(&state.db, "lang").await?,
        platforms: store::corpus_values(&state.db, "platform").await?,
        ctx,
        teams,
        trainees,
        form,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(status, &page)
}

pub async fn new_form(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let form = NewForm {
        count: super::DEFAULT_ITEMS.to_string(),
        split: "practice".to_string(),
        ..NewForm::default()
    };
    new_page(ctx, &state, &user, form, None).await
}

/// `POST /team/calibration/new`: checks the form, draws the messages, creates the session.
pub async fn create(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    fields: FormFields,
) -> Page {
    let form = NewForm::from_fields(&fields);
    let (teams, people) = teams_led(&state, &user).await?;
    let problem = |key: &str| Some(ctx.t(key).to_string());
    let title = match Title::parse(&form.title) {
        Ok(t) => t,
        Err(key) => {
            let error = problem(key);
            return new_page(ctx, &state, &user, form, error).await;
        }
    };
    if !teams.iter().any(|(id, _)| *id == form.team) {
        let error = problem("calibration.error_team");
        return new_page(ctx, &state, &user, form, error).await;
    }
    let in_team: HashSet<i64> = people
        .iter()
        .filter(|p| p.team_id == form.team)
        .map(|p| p.user_id)
        .collect();
    if form.trainees.len() < 2 || !form.trainees.iter().all(|id| in_team.contains(id)) {
        let error = problem("calibration.error_trainees");
        return new_page(ctx, &state, &user, form, error).await;
    }
    let selection = match Selection::parse(
        &form.ids,
        &form.lang,
        &form.platform,
        &form.intent,
        &form.split,
        &form.count,
    ) {
        Ok(s) => s,
        Err(key) => {
            let error = problem(key);
            return new_page(ctx, &state, &user, form, error).await;
        }
    };
    let message_ids = match store::select_messages(&state.db, &selection).await? {
        Ok(ids) if ids.is_empty() => {
            let error = problem("calibration.error_no_messages");
            return new_page(ctx, &state, &user, form, error).await;
        }
        Ok(ids) => ids,
        Err(unknown) => {
            let error = Some(fill(
                ctx.t("calibration.error_unknown_ids"),
                &[("ids", &unknown.join(", "))],
            ));
            return new_page(ctx, &state, &user, form, error).await;
        }
    };
    let mut members: Vec<i64> = form.trainees.iter().copied().collect();
    members.sort_unstable();
    let id = store::create(
        &state.db,
        &store::NewSession {
            title: title.as_str(),
            team_id: form.team,
            created_by: user.id,
            selection: &selection.describe(),
            message_ids: &message_ids,
            member_ids: &members,
            created_at: now_ms(),
        },
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/team/calibration/{id}"),
        "calibration.created_flash",
    ))
}

/// One trainee's progress in a session.
pub struct Progress {
    pub name: String,
    pub answered: usize,
    pub skipped: usize,
}

#[derive(Template)]
#[template(path = "calibration/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    session: Session,
    lead: bool,
    progress: Vec<Progress>,
    items: Vec<Item>,
    taxonomy: std::sync::Arc<Taxonomy>,
}

impl OverviewPage {
    fn intent_name(&self, key: &Option<String>) -> String {
        key.as_deref().map_or_else(String::new, |k| {
            label_name(&self.taxonomy.intents, k, self.ctx.locale)
        })
    }
}

fn progress(members: &[Member], answers: &[Answer]) -> Vec<Progress> {
    members
        .iter()
        .map(|m| {
            let mine: Vec<&Answer> = answers.iter().filter(|a| a.user_id == m.user_id).collect();
            Progress {
                name: m.name.clone(),
                answered: mine.iter().filter(|a| !a.skipped()).count(),
                skipped: mine.iter().filter(|a| a.skipped()).count(),
            }
        })
        .collect()
}

pub async fn overview(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let (session, standing) = staff_session(&state, &user, &id).await?;
    let members = store::members(&state.db, session.id).await?;
    let answers: Vec<Answer> = store::answers(&state.db, session.id)
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    render(&OverviewPage {
        progress: progress(&members, &answers),
        items: store::items(&state.db, session.id).await?,
        taxonomy: state.lab_cache.taxonomy(&state.db).await?,
        lead: standing == Standing::Lead,
        session,
        ctx,
    })
}

pub async fn close(user: SessionUser, state: web::Data<AppState>, id: web::Path<String>) -> Page {
    let session = lead_session(&state, &user, &id).await?;
    // Closing twice is harmless: the first close stands.
    store::close(&state.db, session.id, now_ms()).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/team/calibration/{}/report", session.id),
        "calibration.closed_flash",
    ))
}

// ---- staff: report, notes, CSV ----

/// One statistic line of the group table.
pub struct GroupRow {
    pub field: &'static str,
    pub fleiss: String,
    pub fleiss_band: String,
    /// "over 8 of 10 items" when Fleiss' kappa left items out (unequal numbers of answers).
    pub fleiss_note: String,
    pub alpha: String,
    pub alpha_band: String,
    pub ratings: usize,
}

pub struct PairRow {
    pub a: String,
    pub b: String,
    pub intent: String,
    pub intent_band: String,
    pub n: usize,
    pub emotion: String,
}

pub struct GoldRow {
    pub name: String,
    pub intent: String,
    pub intent_band: String,
    pub n: usize,
    pub agreed: usize,
    pub emotion: String,
    pub emotion_n: usize,
}

pub struct Share {
    pub label: String,
    pub count: usize,
    pub of: usize,
    pub is_gold: bool,
}

pub struct ReportItem {
    pub position: i64,
    pub external_id: String,
    pub text: String,
    pub lang: String,
    pub gold_intent: String,
    pub gold_emotion: String,
    pub intents: Vec<Share>,
    pub emotions: Vec<Share>,
    pub agreement: String,
    pub disputed: bool,
    pub answers: usize,
    pub skipped: usize,
    pub notes: String,
}

#[derive(Template)]
#[template(path = "calibration/report.html")]
struct ReportPage {
    ctx: Ctx,
    session: Session,
    lead: bool,
    n_members: usize,
    group: Vec<GroupRow>,
    pairs: Vec<PairRow>,
    gold: Vec<GoldRow>,
    items: Vec<ReportItem>,
    disputed: usize,
}

fn group_row(ctx: &Ctx, report: &FieldReport) -> GroupRow {
    let s = &report.summary;
    let fleiss_note = match s.fleiss_ratings_per_item {
        Some(m) if s.fleiss_items < s.n_items => fill(
            ctx.t("calibration.fleiss_subset"),
            &[
                ("used", &s.fleiss_items.to_string()),
                ("items", &s.n_items.to_string()),
                ("m", &m.to_string()),
            ],
        ),
        _ => String::new(),
    };
    GroupRow {
        field: match report.field {
            Field::Intent => "calibration.field_intent",
            Field::Emotion => "calibration.field_emotion",
            Field::Escalate => "calibration.field_escalate",
        },
        fleiss: format_stat(ctx, s.fleiss_kappa),
        fleiss_band: band(ctx, s.fleiss_kappa),
        fleiss_note,
        alpha: format_stat(ctx, s.krippendorff_alpha),
        alpha_band: band(ctx, s.krippendorff_alpha),
        ratings: s.n_ratings,
    }
}

fn shares(
    summary: &AgreementSummary,
    position: i64,
    labels: &[Label],
    gold: Option<&str>,
    locale: Locale,
) -> Vec<Share> {
    let key = position.to_string();
    summary
        .items
        .iter()
        .find(|i| i.item == key)
        .map(|i| {
            i.labels
                .iter()
                .map(|l| Share {
                    label: label_name(labels, &l.label, locale),
                    count: l.count,
                    of: i.n_ratings,
                    is_gold: gold == Some(l.label.as_str()),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn report(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let (session, standing) = staff_session(&state, &user, &id).await?;
    if session.is_open() {
        return Err(AppError::Conflict("calibration.error_still_open"));
    }
    let items = store::items(&state.db, session.id).await?;
    let members = store::members(&state.db, session.id).await?;
    let answers: Vec<Answer> = store::answers(&state.db, session.id)
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let reports: Vec<FieldReport> = Field::ALL
        .iter()
        .map(|f| field_report(&items, &members, &answers, *f))
        .collect();
    let (intent, emotion) = (&reports[0], &reports[1]);
    let name_of: HashMap<String, String> = members
        .iter()
        .map(|m| (m.user_id.to_string(), m.name.clone()))
        .collect();
    let pairs = intent
        .summary
        .pairwise
        .iter()
        .map(|p| {
            let emotion_kappa = emotion
                .summary
                .pairwise
                .iter()
                .find(|e| {
                    (e.rater_a == p.rater_a && e.rater_b == p.rater_b)
                        || (e.rater_a == p.rater_b && e.rater_b == p.rater_a)
                })
                .and_then(|e| e.cohen_kappa);
            PairRow {
                a: name_of.get(&p.rater_a).cloned().unwrap_or_default(),
                b: name_of.get(&p.rater_b).cloned().unwrap_or_default(),
                intent: format_stat(&ctx, p.cohen_kappa),
                intent_band: band(&ctx, p.cohen_kappa),
                n: p.n,
                emotion: format_stat(&ctx, emotion_kappa),
            }
        })
        .collect();
    let emotion_gold: HashMap<i64, &AgainstGold> = emotion
        .against_gold
        .iter()
        .map(|g| (g.user_id, g))
        .collect();
    let gold = intent
        .against_gold
        .iter()
        .zip(&members)
        .map(|(g, m)| GoldRow {
            name: m.name.clone(),
            intent: format_stat(&ctx, g.kappa),
            intent_band: band(&ctx, g.kappa),
            n: g.n,
            agreed: g.agreed,
            emotion: format_stat(&ctx, emotion_gold.get(&g.user_id).and_then(|e| e.kappa)),
            emotion_n: emotion_gold.get(&g.user_id).map_or(0, |e| e.n),
        })
        .collect();
    let skipped: HashMap<i64, usize> =
        answers
            .iter()
            .filter(|a| a.skipped())
            .fold(HashMap::new(), |mut m, a| {
                *m.entry(a.item_id).or_default() += 1;
                m
            });
    let by_id: HashMap<i64, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let report_items: Vec<ReportItem> = discussion_order(&items, &intent.summary)
        .into_iter()
        .filter_map(|id| by_id.get(&id).copied())
        .map(|item| {
            let labels = intent
                .summary
                .items
                .iter()
                .find(|l| l.item == item.position.to_string());
            let pair_agreement = labels.and_then(|l| l.pair_agreement);
            ReportItem {
                position: item.position,
                external_id: item.external_id.clone(),
                text: item.text.clone(),
                lang: item.lang.clone(),
                gold_intent: item
                    .gold
                    .intent
                    .as_deref()
                    .map(|k| label_name(&taxonomy.intents, k, ctx.locale))
                    .unwrap_or_default(),
                gold_emotion: item
                    .gold
                    .emotion
                    .as_deref()
                    .map(|k| label_name(&taxonomy.emotions, k, ctx.locale))
                    .unwrap_or_default(),
                intents: shares(
                    &intent.summary,
                    item.position,
                    &taxonomy.intents,
                    item.gold.intent.as_deref(),
                    ctx.locale,
                ),
                emotions: shares(
                    &emotion.summary,
                    item.position,
                    &taxonomy.emotions,
                    item.gold.emotion.as_deref(),
                    ctx.locale,
                ),
                agreement: pair_agreement
                    .map(|a| format!("{:.0}%", a * 100.0))
                    .unwrap_or_else(|| ctx.t("calibration.undefined").to_string()),
                disputed: pair_agreement.is_some_and(|a| a < 1.0),
                answers: labels.map_or(0, |l| l.n_ratings),
                skipped: skipped.get(&item.id).copied().unwrap_or(0),
                notes: item.notes.clone(),
            }
        })
        .collect();
    render(&ReportPage {
        group: reports.iter().map(|r| group_row(&ctx, r)).collect(),
        n_members: members.len(),
        disputed: report_items.iter().filter(|i| i.disputed).count(),
        items: report_items,
        pairs,
        gold,
        lead: standing == Standing::Lead,
        session,
        ctx,
    })
}

pub async fn save_notes(
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Page {
    let (id, item) = path.into_inner();
    let session = lead_session(&state, &user, &id).await?;
    let position = path_id(&item)?;
    let notes = parse_notes(form.get("notes")).map_err(AppError::Unprocessable)?;
    if !store::save_notes(&state.db, session.id, position, &notes, user.id, now_ms()).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other_with_flash(
        &state,
        &format!("/team/calibration/{}/report#item-{position}", session.id),
        "calibration.notes_saved",
    ))
}

pub async fn answers_csv(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let (session, _) = staff_session(&state, &user, &id).await?;
    if session.is_open() {
        return Err(AppError::Conflict("calibration.error_still_open"));
    }
    let items = store::items(&state.db, session.id).await?;
    let members = store::members(&state.db, session.id).await?;
    let rows = store::answers(&state.db, session.id).await?;
    let times: HashMap<(i64, i64), i64> = rows
        .iter()
        .map(|(a, at)| ((a.item_id, a.user_id), *at))
        .collect();
    let answers: Vec<Answer> = rows.into_iter().map(|(a, _)| a).collect();
    let body = super::answers_csv(&items, &members, &answers, &times);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!(
                "attachment; filename=\"calibration-{}-answers.csv\"",
                session.id
            ),
        ))
        .body(body))
}

// ---- trainees ----

pub struct MySession {
    pub session: Session,
    pub done: i64,
}

#[derive(Template)]
#[template(path = "calibration/mine.html")]
struct MinePage {
    ctx: Ctx,
    sessions: Vec<MySession>,
}

pub async fn mine(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let sessions = store::list_for_trainee(&state.db, user.id)
        .await?
        .into_iter()
        .map(|(session, done)| MySession { session, done })
        .collect();
    render(&MinePage { ctx, sessions })
}

/// The first item this trainee has not done yet.
async fn next_position(
    state: &AppState,
    session: &Session,
    user_id: i64,
) -> Result<Option<i64>, AppError> {
    let done: HashSet<i64> = store::done_positions(&state.db, session.id, user_id)
        .await?
        .into_iter()
        .collect();
    Ok((1..=session.n_items).find(|p| !done.contains(p)))
}

#[derive(Template)]
#[template(path = "calibration/session.html")]
struct SessionPage {
    ctx: Ctx,
    session: Session,
    done: i64,
    next: Option<i64>,
}

pub async fn session_page(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let session = member_session(&state, &user, &id).await?;
    let done = store::done_positions(&state.db, session.id, user.id)
        .await?
        .len() as i64;
    let next = next_position(&state, &session, user.id).await?;
    render(&SessionPage {
        ctx,
        session,
        done,
        next,
    })
}

#[derive(Template)]
#[template(path = "calibration/item.html")]
struct ItemPage {
    ctx: Ctx,
    session: Session,
    position: i64,
    done: usize,
    message: crate::lab::store::Message,
    intents: Vec<Choice>,
    emotions: Vec<Choice>,
    error: Option<String>,
}

impl ItemPage {
    fn platform(&self) -> &str {
        crate::courses::routes::platform_name(&self.message.platform)
    }

    fn language(&self) -> &str {
        crate::courses::routes::language_name(&self.message.lang)
    }
}

async fn item_page(
    ctx: Ctx,
    state: &AppState,
    user: &SessionUser,
    session: Session,
    item: Item,
    error: Option<String>,
) -> Page {
    let message = crate::lab::store::message_by_id(&state.db, item.message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let done = store::done_positions(&state.db, session.id, user.id)
        .await?
        .len();
    let page = ItemPage {
        intents: choices(&taxonomy.intents, ctx.locale, &INTENT_KEYS),
        emotions: choices(
            &taxonomy.emotions,
            ctx.locale,
            &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
        ),
        ctx,
        session,
        position: item.position,
        done,
        message,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(status, &page)
}

/// Where a trainee goes after an item: the next one to do, or the session page when none is left.
async fn onwards(state: &AppState, session: &Session, user_id: i64) -> Page {
    Ok(match next_position(state, session, user_id).await? {
        Some(p) if session.is_open() => {
            see_other(&format!("/calibration/{}/items/{p}", session.id))
        }
        _ => see_other(&format!("/calibration/{}", session.id)),
    })
}

pub async fn item(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Page {
    let (id, position) = path.into_inner();
    let session = member_session(&state, &user, &id).await?;
    let item = store::item_at(&state.db, session.id, path_id(&position)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let done = store::done_positions(&state.db, session.id, user.id).await?;
    // Answers are final and closed sessions take none: such items lead on instead.
    if !session.is_open() || done.contains(&item.position) {
        return onwards(&state, &session, user.id).await;
    }
    item_page(ctx, &state, &user, session, item, None).await
}

/// The labels of a submitted form: all three, or an error key.
fn given_labels(form: &FormFields, taxonomy: &Taxonomy) -> Result<Labels, &'static str> {
    let pick = |name: &str, labels: &[Label]| -> Result<String, &'static str> {
        match form.get(name) {
            "" => Err("lab.choose_all"),
            v if labels.iter().any(|l| l.key == v) => Ok(v.to_string()),
            _ => Err("lab.unknown_label"),
        }
    };
    let intent = pick("intent", &taxonomy.intents);
    let emotion = pick("emotion", &taxonomy.emotions);
    let escalate = match form.get("escalate") {
        "yes" => Ok(true),
        "no" => Ok(false),
        "" => Err("lab.choose_all"),
        _ => Err("lab.unknown_label"),
    };
    match (intent, emotion, escalate) {
        (Ok(intent), Ok(emotion), Ok(escalate)) => Ok(Labels {
            intent: Some(intent),
            emotion: Some(emotion),
            escalate: Some(escalate),
        }),
        (i, e, x) => {
            let problems = [i.err(), e.err(), x.err()];
            if problems.contains(&Some("lab.unknown_label")) {
                Err("lab.unknown_label")
            } else {
                Err("lab.choose_all")
            }
        }
    }
}

/// `POST /calibration/{id}/items/{item}`: stores the labels (or a skip) once, then goes on.
pub async fn submit(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Page {
    let (id, position) = path.into_inner();
    let session = member_session(&state, &user, &id).await?;
    let item = store::item_at(&state.db, session.id, path_id(&position)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let given = if form.get("skip").is_empty() {
        let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
        match given_labels(&form, &taxonomy) {
            Ok(given) => given,
            Err("lab.unknown_label") => return Err(AppError::BadRequest("lab.unknown_label")),
            Err(key) => {
                let error = Some(ctx.t(key).to_string());
                if !session.is_open() {
                    return Err(AppError::Conflict("calibration.error_closed"));
                }
                return item_page(ctx, &state, &user, session, item, error).await;
            }
        }
    } else {
        Labels::default()
    };
    match store::answer(&state.db, session.id, item.id, user.id, &given, now_ms()).await? {
        Stored::Closed => Err(AppError::Conflict("calibration.error_closed")),
        Stored::Stored | Stored::AlreadyAnswered => onwards(&state, &session, user.id).await,
    }
}
