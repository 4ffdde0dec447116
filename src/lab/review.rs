//! Instructor pages: the review queue (flags and ungraded answers; confirming a label makes it gold
//! and regrades the stored answers) and the reference classifier's evaluations and retraining.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::Labels;
use super::store::{self, ReviewItem};
use crate::app::AppState;
use crate::classifier::reference::{self, StoredEvaluation};
use crate::taxonomy::Label;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render};

type Page = Result<HttpResponse, AppError>;

pub struct ReviewView {
    pub item: ReviewItem,
    pub predicted: Option<(String, u32)>,
}

#[derive(Template)]
#[template(path = "lab/review.html")]
struct ReviewPage {
    ctx: Ctx,
    items: Vec<ReviewView>,
    intents: Vec<Label>,
    emotions: Vec<Label>,
}

impl ReviewPage {
    fn is(&self, a: &Option<String>, b: &str) -> bool {
        a.as_deref() == Some(b)
    }

    fn suggested_intent(&self, view: &ReviewView) -> String {
        view.item
            .message
            .gold
            .intent
            .clone()
            .or_else(|| view.predicted.as_ref().map(|p| p.0.clone()))
            .unwrap_or_default()
    }
}

pub async fn queue(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let models = state.models();
    let items = store::review_queue(&state.db, 100)
        .await?
        .into_iter()
        .map(|item| {
            let predicted = models.as_ref().map(|m| {
                let p = m.intent.predict(&item.message.text);
                (p.label, (p.confidence * 100.0).round() as u32)
            });
            ReviewView { item, predicted }
        })
        .collect();
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    render(&ReviewPage {
        ctx,
        items,
        intents: taxonomy.intents.clone(),
        emotions: taxonomy.emotions.clone(),
    })
}

pub async fn confirm(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    store::message_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let (intents, emotions) = (&taxonomy.intents, &taxonomy.emotions);
    let intent = form.get("intent");
    let emotion = form.get("emotion");
    if !intents.iter().any(|l| l.key == intent) || !emotions.iter().any(|l| l.key == emotion) {
        return Err(AppError::Unprocessable("lab.unknown_label"));
    }
    let escalate = match form.get("escalate") {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::Unprocessable("lab.unknown_label")),
    };
    let gold = Labels {
        intent: Some(intent.to_string()),
        emotion: Some(emotion.to_string()),
        escalate: Some(escalate),
    };
    let rationale_en: String = form.get("rationale_en").trim().chars().take(2000).collect();
    let rationale_zh: String = form.get("rationale_zh").trim().chars().take(2000).collect();
    let regraded = store::set_gold_and_regrade(
        &state.db,
        id,
        &gold,
        (&rationale_en, &rationale_zh),
        user.id,
    )
    .await?;
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "message.gold_set",
        &format!("message {id}: {intent}, {regraded} answers regraded"),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/review",
        "lab.review_saved",
    ))
}

#[derive(Template)]
#[template(path = "lab/classifier.html")]
struct ClassifierPage {
    ctx: Ctx,
    evaluations: Vec<StoredEvaluation>,
    messages: i64,
    gold: i64,
    threshold: f64,
}

impl ClassifierPage {
    fn latest(&self, field: &str) -> Option<&StoredEvaluation> {
        self.evaluations.iter().find(|e| e.field == field)
    }

    fn is_intent(&self, field: &str) -> bool {
        field == "intent"
    }

    fn pct(&self, v: &f64) -> String {
        format!("{:.1}%", v * 100.0)
    }

    /// Confusion cells shaded by row share, as a class name the stylesheet colours.
    fn shade(&self, row: &[usize], cell: &usize) -> &'static str {
        let total: usize = row.iter().sum();
        match (*cell * 100).checked_div(total).unwrap_or(0) {
            0 => "s0",
            1..=10 => "s1",
            11..=30 => "s2",
            31..=60 => "s3",
            _ => "s4",
        }
    }
}

pub async fn classifier(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let evaluations = reference::evaluations(&state.db, 30).await?;
    let (messages, gold) = store::count_messages(&state.db).await?;
    render(&ClassifierPage {
        ctx,
        evaluations,
        messages,
        gold,
        threshold: state.config.classifier_threshold,
    })
}

pub async fn retrain(user: SessionUser, state: web::Data<AppState>) -> Page {
    let models = crate::app::train_reference(&state.db, Some(user.id))
        .await
        .map_err(AppError::Internal)?;
    let Some(models) = models else {
        return Err(AppError::Conflict("lab.too_little_gold"));
    };
    if let Ok(mut slot) = state.classifier.write() {
        *slot = Some(std::sync::Arc::new(models));
    }
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "classifier.trained",
        "intent, emotion, escalate",
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/classifier",
        "lab.retrained",
    ))
}
