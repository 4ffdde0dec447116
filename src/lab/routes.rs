//! Trainee pages of the lab: the next item, labeling, feedback with the reference and the
//! classifier's view, flags, and the session summary.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::store::{self, Answer, Message};
use super::{Fields, Labels, queue};
use crate::app::AppState;
use crate::classifier::model::Contribution;
use crate::db::now_ms;
use crate::taxonomy::Label;
use crate::web::i18n::Locale;
use crate::web::page::see_other;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render};

type Page = Result<HttpResponse, AppError>;

/// Keys that pick an intent, in taxonomy order: 1–9, then a–i (s, f and ? are taken).
pub const INTENT_KEYS: [&str; 18] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "g", "h", "i", "j",
];

/// A choice on the labeling form.
pub struct Choice {
    pub key: String,
    pub label: String,
    pub shortcut: String,
    pub hint: String,
}

pub fn choices(labels: &[Label], locale: Locale, keys: &[&str]) -> Vec<Choice> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| Choice {
            key: l.key.clone(),
            label: l.name(locale).to_string(),
            shortcut: keys.get(i).map(|k| k.to_string()).unwrap_or_default(),
            hint: l.definition(locale).to_string(),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ModeQuery {
    mode: Option<String>,
    after: Option<i64>,
}

fn mode_of(raw: Option<&str>) -> Result<Fields, AppError> {
    Fields::parse(raw.unwrap_or("")).ok_or(AppError::BadRequest("error.form_malformed"))
}

/// Where the current lab session starts in answer times (oldest first): after the last pause of
/// more than 30 minutes.
fn session_start(times: impl Iterator<Item = i64>) -> usize {
    let mut start = 0;
    let mut previous = None;
    for (i, t) in times.enumerate() {
        if previous.is_some_and(|p| t - p > 30 * 60 * 1000) {
            start = i;
        }
        previous = Some(t);
    }
    start
}

/// Answers of the current lab session.
fn current_session(answers: Vec<Answer>) -> Vec<Answer> {
    let start = session_start(answers.iter().map(|a| a.answered_at));
    answers.into_iter().skip(start).collect()
}

/// Statistics of the current session, from the light per-answer timings.
async fn session_stats(state: &AppState, user_id: i64) -> Result<SessionStats, AppError> {
    let timings = store::timings_since(&state.db, user_id, now_ms() - 12 * 3_600_000).await?;
    let start = session_start(timings.iter().map(|t| t.answered_at));
    Ok(stats(&timings[start..]))
}

pub struct SessionStats {
    pub answered: usize,
    pub graded: usize,
    pub correct: usize,
    pub median_seconds: f64,
}

impl SessionStats {
    pub fn percent(&self) -> usize {
        (self.correct * 100).checked_div(self.graded).unwrap_or(0)
    }
}

fn stats(answers: &[store::Timing]) -> SessionStats {
    let graded: Vec<&store::Timing> = answers.iter().filter(|a| a.correct.is_some()).collect();
    let mut times: Vec<i64> = answers.iter().map(|a| a.millis).collect();
    times.sort_unstable();
    SessionStats {
        answered: answers.len(),
        graded: graded.len(),
        correct: graded.iter().filter(|a| a.correct == Some(true)).count(),
        median_seconds: times
            .get(times.len() / 2)
            .map(|m| *m as f64 / 1000.0)
            .unwrap_or(0.0),
    }
}

#[derive(Template)]
#[template(path = "lab/home.html")]
struct HomePage {
    ctx: Ctx,
    session: SessionStats,
    practice_size: usize,
}

pub async fn home(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let session = session_stats(&state, user.id).await?;
    let practice_size = state.lab_cache.pool(&state.db).await?.len();
    render(&HomePage {
        ctx,
        session,
        practice_size,
    })
}

/// `GET /lab/next`: 303 to the item the adaptive queue picks.
pub async fn next(
    user: SessionUser,
    state: web::Data<AppState>,
    query: web::Query<ModeQuery>,
) -> Page {
    let fields = mode_of(query.mode.as_deref())?;
    let pool = state.lab_cache.pool(&state.db).await?;
    let mut history = store::history(&state.db, user.id, queue::HISTORY_WINDOW).await?;
    // A skipped item counts as just shown, so it is not offered again right away.
    if let Some(skipped) = query.after {
        history.insert(
            0,
            queue::PastAnswer {
                message_id: skipped,
                intent: String::new(),
                lang: String::new(),
                correct: None,
                answered_at: now_ms(),
            },
        );
    }
    let id = queue::next(
        &pool,
        &history,
        now_ms(),
        queue::QueueSettings::default(),
        rand::random::<f64>,
    )
    .ok_or(AppError::NotFound)?;
    Ok(see_other(&format!(
        "/lab/items/{id}?mode={}",
        fields.mode()
    )))
}

#[derive(Template)]
#[template(path = "lab/item.html")]
struct ItemPage {
    ctx: Ctx,
    message: Message,
    fields: Fields,
    intents: Vec<Choice>,
    emotions: Vec<Choice>,
    shown_at: i64,
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

async fn practice_message(state: &AppState, raw: &str) -> Result<Message, AppError> {
    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
    let message = store::message_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Exam messages are never shown in practice, even by a guessed id.
    if message.split != "practice" {
        return Err(AppError::NotFound);
    }
    Ok(message)
}

async fn item_page(
    ctx: Ctx,
    state: &AppState,
    message: Message,
    fields: Fields,
    error: Option<String>,
) -> Page {
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let page = ItemPage {
        intents: choices(&taxonomy.intents, ctx.locale, &INTENT_KEYS),
        emotions: choices(
            &taxonomy.emotions,
            ctx.locale,
            &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
        ),
        ctx,
        message,
        fields,
        shown_at: now_ms(),
        error,
    };
    let status = if page.error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::render_status(status, &page)
}

pub async fn item(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ModeQuery>,
) -> Page {
    let fields = mode_of(query.mode.as_deref())?;
    let message = practice_message(&state, &id).await?;
    item_page(ctx, &state, message, fields, None).await
}

/// `POST /lab/items/<id>`: grade, store, then 303 to the feedback page.
pub async fn submit(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let message = practice_message(&state, &id).await?;
    let fields = mode_of(form.opt("mode"))?;
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let (intents, emotions) = (&taxonomy.intents, &taxonomy.emotions);
    let pick = |name: &str, labels: &[Label]| -> Result<Option<String>, &'static str> {
        match form.get(name) {
            "" => Err("lab.choose_all"),
            v if labels.iter().any(|l| l.key == v) => Ok(Some(v.to_string())),
            _ => Err("lab.unknown_label"),
        }
    };
    let mut given = Labels::default();
    let mut problem = None;
    if fields.intent {
        match pick("intent", intents) {
            Ok(v) => given.intent = v,
            Err(k) => problem = Some(k),
        }
    }
    if fields.emotion {
        match pick("emotion", emotions) {
            Ok(v) => given.emotion = v,
            Err(k) => problem = problem.or(Some(k)),
        }
    }
    if fields.escalate {
        match form.get("escalate") {
            "yes" => given.escalate = Some(true),
            "no" => given.escalate = Some(false),
            "" => problem = problem.or(Some("lab.choose_all")),
            _ => problem = problem.or(Some("lab.unknown_label")),
        }
    }
    if let Some(key) = problem {
        if key == "lab.unknown_label" {
            return Err(AppError::BadRequest("lab.unknown_label"));
        }
        let msg = ctx.t(key).to_string();
        return item_page(ctx, &state, message, fields, Some(msg)).await;
    }
    let shown_at: i64 = form.get("shown_at").parse().unwrap_or(0);
    // The time comes from the form; bound it so a tampered value cannot skew statistics much.
    let millis = (now_ms() - shown_at).clamp(0, 30 * 60 * 1000);

    let models = state.models();
    let predicted = models.as_ref().map(|m| {
        let i = m.intent.predict(&message.text);
        let e = m.emotion.predict(&message.text);
        let x = m.escalate.predict(&message.text);
        (i, e, x)
    });
    let (ref_source, reference) = if message.has_gold() {
        ("gold", message.gold.clone())
    } else {
        let threshold = state.config.classifier_threshold;
        match &predicted {
            Some((i, e, x))
                if (!fields.intent || i.confidence >= threshold)
                    && (!fields.emotion || e.confidence >= threshold)
                    && (!fields.escalate || x.confidence >= threshold) =>
            {
                (
                    "classifier",
                    Labels {
                        intent: Some(i.label.clone()),
                        emotion: Some(e.label.clone()),
                        escalate: Some(x.label == "yes"),
                    },
                )
            }
            _ => ("pending", Labels::default()),
        }
    };
    let answer_id = store::insert_answer(
        &state.db,
        &store::NewAnswer {
            user_id: user.id,
            message_id: message.id,
            fields,
            given: &given,
            ref_source,
            reference: &reference,
            classifier: predicted
                .as_ref()
                .map(|(i, _, _)| (i.label.as_str(), i.confidence)),
            millis,
        },
    )
    .await?;
    Ok(see_other(&format!("/lab/answers/{answer_id}")))
}

pub struct Prediction {
    pub label: String,
    /// One decimal, never rounded up to a certain-looking 100.
    pub percent: String,
}

fn percent(confidence: f64) -> String {
    let p = (confidence * 1000.0).floor() / 10.0;
    if confidence < 1.0 && p >= 100.0 {
        "99.9".to_string()
    } else {
        format!("{p:.1}")
    }
}

#[derive(Template)]
#[template(path = "lab/feedback.html")]
struct FeedbackPage {
    ctx: Ctx,
    answer: Answer,
    message: Message,
    taxonomy: std::sync::Arc<super::cache::Taxonomy>,
    predicted: Option<(Prediction, Prediction, Prediction)>,
    words: Vec<Contribution>,
    session: SessionStats,
    flagged: bool,
}

impl FeedbackPage {
    fn intent_name(&self, key: &Option<String>) -> String {
        name_of(&self.taxonomy.intents, key, self.ctx.locale)
    }

    fn emotion_name(&self, key: &Option<String>) -> String {
        name_of(&self.taxonomy.emotions, key, self.ctx.locale)
    }

    fn label_name(&self, key: &str) -> String {
        name_of(
            &self.taxonomy.intents,
            &Some(key.to_string()),
            self.ctx.locale,
        )
    }

    fn emotion_label(&self, key: &str) -> String {
        name_of(
            &self.taxonomy.emotions,
            &Some(key.to_string()),
            self.ctx.locale,
        )
    }

    fn escalate_label(&self, key: &str) -> &str {
        self.ctx.t(if key == "yes" {
            "lab.escalate_yes"
        } else {
            "lab.escalate_no"
        })
    }

    fn rationale(&self) -> &str {
        let (en, zh) = (&self.message.rationale_en, &self.message.rationale_zh);
        if self.ctx.locale == Locale::ZhCn && !zh.is_empty() {
            zh
        } else {
            en
        }
    }

    fn seconds(&self) -> String {
        format!("{:.1}", self.answer.millis as f64 / 1000.0)
    }

    fn platform(&self) -> &str {
        crate::courses::routes::platform_name(&self.message.platform)
    }

    fn language(&self) -> &str {
        crate::courses::routes::language_name(&self.message.lang)
    }
}

fn name_of(labels: &[Label], key: &Option<String>, locale: Locale) -> String {
    match key {
        Some(k) => labels
            .iter()
            .find(|l| &l.key == k)
            .map(|l| l.name(locale).to_string())
            .unwrap_or_else(|| k.clone()),
        None => "—".to_string(),
    }
}

async fn own_answer(state: &AppState, user: &SessionUser, raw: &str) -> Result<Answer, AppError> {
    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
    let answer = store::answer_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Someone else's answer is "not found", not "forbidden": ids reveal nothing.
    if answer.user_id != user.id {
        return Err(AppError::NotFound);
    }
    Ok(answer)
}

pub async fn feedback(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let answer = own_answer(&state, &user, &id).await?;
    let message = store::message_by_id(&state.db, answer.message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let models = state.models();
    let (predicted, words) = match &models {
        Some(m) => {
            let i = m.intent.predict(&message.text);
            let e = m.emotion.predict(&message.text);
            let x = m.escalate.predict(&message.text);
            let words = m
                .intent
                .explain(&message.text, &i.label, i.runner_up.as_deref(), 6);
            let p = |p: &crate::classifier::model::Prediction| Prediction {
                label: p.label.clone(),
                percent: percent(p.confidence),
            };
            (Some((p(&i), p(&e), p(&x))), words)
        }
        None => (None, Vec::new()),
    };
    let session = session_stats(&state, user.id).await?;
    let flagged =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM lab_flags WHERE answer_id = $1")
            .bind(answer.id)
            .fetch_one(&state.db.pool)
            .await?
            > 0;
    render(&FeedbackPage {
        ctx,
        answer,
        message,
        taxonomy,
        predicted,
        words,
        session,
        flagged,
    })
}

pub async fn flag(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let answer = own_answer(&state, &user, &id).await?;
    let note: String = form.get("note").trim().chars().take(1000).collect();
    store::flag(&state.db, user.id, answer.message_id, answer.id, &note).await?;
    Ok(crate::web::page::see_other_with_flash(
        &state,
        &format!("/lab/answers/{}", answer.id),
        "lab.flagged",
    ))
}

#[derive(Template)]
#[template(path = "lab/summary.html")]
struct SummaryPage {
    ctx: Ctx,
    stats: SessionStats,
    mistakes: Vec<(Answer, String)>,
    intents: Vec<Label>,
    by_field: [(usize, usize); 3],
}

impl SummaryPage {
    fn intent_name(&self, key: &Option<String>) -> String {
        name_of(&self.intents, key, self.ctx.locale)
    }

    fn field_percent(&self, i: usize) -> usize {
        let (right, graded) = self.by_field[i];
        (right * 100).checked_div(graded).unwrap_or(0)
    }
}

pub async fn summary(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let recent = store::answers_since(&state.db, user.id, now_ms() - 12 * 3_600_000).await?;
    let session = current_session(recent);
    let timings: Vec<store::Timing> = session.iter().map(store::Timing::of).collect();
    let mut by_field = [(0, 0); 3];
    for a in &session {
        for (i, g) in [a.grade.intent, a.grade.emotion, a.grade.escalate]
            .into_iter()
            .enumerate()
        {
            if let Some(ok) = g {
                by_field[i].1 += 1;
                by_field[i].0 += ok as usize;
            }
        }
    }
    let mut mistakes = Vec::new();
    for a in session
        .iter()
        .filter(|a| a.correct == Some(false))
        .rev()
        .take(20)
    {
        let text = store::message_by_id(&state.db, a.message_id)
            .await?
            .map(|m| m.text)
            .unwrap_or_default();
        mistakes.push((a.clone(), text.chars().take(140).collect()));
    }
    let intents = state.lab_cache.taxonomy(&state.db).await?.intents.clone();
    render(&SummaryPage {
        ctx,
        stats: stats(&timings),
        mistakes,
        intents,
        by_field,
    })
}
