//! The instructor's taxonomy page: every intent and emotion, and a form to add one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Label, LabelKind, is_valid_key, store};
use crate::app::AppState;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render_status};

#[derive(Template)]
#[template(path = "taxonomy/page.html")]
struct TaxonomyPage {
    ctx: Ctx,
    intents: Vec<Label>,
    emotions: Vec<Label>,
    error: Option<String>,
}

async fn page_with(
    ctx: Ctx,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let intents = store::list(&state.db, LabelKind::Intent).await?;
    let emotions = store::list(&state.db, LabelKind::Emotion).await?;
    render_status(
        status,
        &TaxonomyPage {
            ctx,
            intents,
            emotions,
            error,
        },
    )
}

pub async fn page(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page_with(ctx, &state, StatusCode::OK, None).await
}

pub async fn add(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let kind = match form.get("kind") {
        "intent" => LabelKind::Intent,
        "emotion" => LabelKind::Emotion,
        _ => return Err(AppError::BadRequest("error.form_malformed")),
    };
    let text = |name: &str, max: usize| {
        let v = form.get(name).trim().to_string();
        (!v.is_empty() && v.chars().count() <= max).then_some(v)
    };
    let key = form.get("key").trim().to_string();
    let fields = (
        text("label_en", 80),
        text("label_zh", 80),
        text("definition_en", 600),
        text("definition_zh", 600),
    );
    let (Some(label_en), Some(label_zh), Some(definition_en), Some(definition_zh)) = fields else {
        let msg = ctx.t("taxonomy.all_fields").to_string();
        return page_with(ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await;
    };
    if !is_valid_key(&key) {
        let msg = ctx.t("taxonomy.key_invalid").to_string();
        return page_with(ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await;
    }
    let label = Label {
        kind,
        key: key.clone(),
        label_en,
        label_zh,
        definition_en,
        definition_zh,
    };
    match store::add(&state.db, &label).await {
        Ok(()) => {}
        Err(e) if crate::accounts::store::is_unique_violation(&e) => {
            let msg = ctx.t("taxonomy.key_taken").to_string();
            return page_with(ctx, &state, StatusCode::CONFLICT, Some(msg)).await;
        }
        Err(e) => return Err(e.into()),
    }
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "taxonomy.added",
        &format!("{} {key}", kind.key()),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/taxonomy",
        "taxonomy.added",
    ))
}
