//! Instructor pages for the corpus: size, an upload form for imports, and downloads.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use super::import::{self, Defaults, Format};
use super::redact::Redaction;
use super::store;
use crate::app::AppState;
use crate::cli::export;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, render, render_status};

type Page = Result<HttpResponse, AppError>;

/// Uploads through the browser are smaller than command-line imports.
const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

#[derive(Template)]
#[template(path = "lab/corpus.html")]
struct CorpusPage {
    ctx: Ctx,
    messages: i64,
    gold: i64,
    errors: Vec<String>,
    /// What the last import masked (from the redirect's query), to show once.
    masked: Option<Redaction>,
}

#[derive(serde::Deserialize)]
pub struct MaskedQuery {
    /// `emails,phones,addresses,names` after an import with redaction.
    masked: Option<String>,
}

fn masked_param(r: &Redaction) -> String {
    format!("{},{},{},{}", r.emails, r.phones, r.addresses, r.names)
}

fn parse_masked(raw: &str) -> Option<Redaction> {
    let n: Vec<usize> = raw
        .split(',')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    match n.as_slice() {
        [emails, phones, addresses, names] => Some(Redaction {
            emails: *emails,
            phones: *phones,
            addresses: *addresses,
            names: *names,
        }),
        _ => None,
    }
}

pub async fn page(ctx: Ctx, state: web::Data<AppState>, query: web::Query<MaskedQuery>) -> Page {
    let (messages, gold) = store::count_messages(&state.db).await?;
    render(&CorpusPage {
        ctx,
        messages,
        gold,
        errors: Vec::new(),
        masked: query.masked.as_deref().and_then(parse_masked),
    })
}

/// Reads a multipart form: small text fields and one file named `file`, refusing more than
/// `max_bytes` in all (413).
pub async fn read_form(
    mut payload: Multipart,
    max_bytes: usize,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), AppError> {
    let mut fields = Vec::new();
    let mut file = None;
    let mut total = 0usize;
    while let Some(item) = payload.next().await {
        let mut field = item.map_err(|_| AppError::BadRequest("error.form_malformed"))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| AppError::BadRequest("error.form_malformed"))?;
            total += chunk.len();
            if total > max_bytes {
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            Some(filename) if name == "file" => file = Some((filename, bytes)),
            _ => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok((fields, file))
}

/// The uploaded file as text and a display name safe to echo (no control characters, 100 chars at
/// most); 422 when no file was chosen or it is not UTF-8.
pub fn uploaded_text(file: Option<(String, Vec<u8>)>) -> Result<(String, String), AppError> {
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::Unprocessable("corpus.choose_file"));
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(AppError::Unprocessable("corpus.not_utf8"));
    };
    let name = filename
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    Ok((name, text))
}

pub async fn upload(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Page {
    let (fields, file) = read_form(payload, MAX_UPLOAD_BYTES).await?;
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let format =
        Format::parse(&get("format")).ok_or(AppError::BadRequest("error.form_malformed"))?;
    let (name, text) = uploaded_text(file)?;
    let (intents, emotions) = super::keys(&state.db).await?;
    let keys = super::corpus::Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let (lang, platform) = (get("lang"), get("platform"));
    let defaults = Defaults {
        lang: Some(lang.as_str()).filter(|s| !s.is_empty()),
        platform: Some(platform.as_str()).filter(|s| !s.is_empty()),
    };
    let redact = get("redact") == "on";
    match import::parse(format, &name, &text, &keys, &defaults) {
        Ok(mut messages) => {
            let masked = redact.then(|| super::redact::redact_messages(&mut messages));
            let stats =
                store::upsert_messages(&state.db, &format!("upload:{name}"), &messages).await?;
            let mut subject = format!("{name}: {} new, {} updated", stats.inserted, stats.updated);
            if let Some(masked) = &masked {
                subject.push_str(&format!("; masked {masked}"));
            }
            crate::accounts::store::audit(&state.db, Some(user.id), "corpus.imported", &subject)
                .await?;
            let back = match &masked {
                Some(m) => format!("/instruct/corpus?masked={}", masked_param(m)),
                None => "/instruct/corpus".to_string(),
            };
            Ok(see_other_with_flash(&state, &back, "corpus.imported"))
        }
        Err(errors) => {
            let (messages, gold) = store::count_messages(&state.db).await?;
            let errors = errors.iter().take(50).map(|e| e.to_string()).collect();
            render_status(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &CorpusPage {
                    ctx,
                    messages,
                    gold,
                    errors,
                    masked: None,
                },
            )
        }
    }
}

/// `GET /instruct/corpus/export/{file}` with file `answers.jsonl`, `answers.csv`, `messages.jsonl`
/// or `messages.csv`.
pub async fn download(state: web::Data<AppState>, file: web::Path<String>) -> Page {
    let (answers, format, content_type) = match file.as_str() {
        "answers.jsonl" => (true, export::Format::Jsonl, "application/x-ndjson"),
        "answers.csv" => (true, export::Format::Csv, "text/csv; charset=utf-8"),
        "messages.jsonl" => (false, export::Format::Jsonl, "application/x-ndjson"),
        "messages.csv" => (false, export::Format::Csv, "text/csv; charset=utf-8"),
        _ => return Err(AppError::NotFound),
    };
    let body = export::render(&state.db, answers, format)
        .await
        .map_err(AppError::Internal)?;
    // A byte-order mark lets spreadsheet programs read UTF-8 CSV correctly.
    let body = if matches!(format, export::Format::Csv) {
        format!("\u{feff}{body}")
    } else {
        body
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"intentdojo-{}\"", file.as_str()),
        ))
        .body(body))
}
