//! One error type for handlers and middleware, and the middleware that renders every error response
//! (from a handler, an extractor, the router or a guard) as a page in the site layout.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{
    Error, HttpMessage, HttpRequest, HttpResponse, ResponseError, error::PayloadError,
};
use askama::Template;

use super::page::{Ctx, Rendered};
use super::telemetry::RequestId;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request ({0})")]
    BadRequest(&'static str),
    #[error("not found")]
    NotFound,
    #[error("gone ({0})")]
    Gone(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("session expired")]
    SessionExpired,
    #[error("conflict ({0})")]
    Conflict(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unprocessable ({0})")]
    Unprocessable(&'static str),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: i64 },
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The catalog key of the message shown to the user.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::BadRequest(key)
            | AppError::Conflict(key)
            | AppError::Unprocessable(key)
            | AppError::Gone(key) => key,
            AppError::NotFound => "error.not_found",
            AppError::Forbidden => "error.forbidden",
            AppError::Csrf => "error.csrf",
            AppError::SessionExpired => "error.session_expired",
            AppError::PayloadTooLarge => "error.payload_too_large",
            AppError::TooManyRequests { .. } => "error.too_many_requests",
            AppError::Unavailable => "error.unavailable",
            AppError::Internal(_) => "error.internal",
        }
    }

    pub fn from_payload_error(err: &actix_web::Error) -> AppError {
        match err.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => AppError::PayloadTooLarge,
            _ if err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge
            }
            _ => AppError::BadRequest("error.form_malformed"),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            sqlx::Error::Database(ref e) if e.code().as_deref().is_some_and(is_outage_code) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// PostgreSQL's SQLSTATEs for "the server is there but will not serve you now": connection
/// exceptions (class 08), too many connections (53300), shutdown or restart (57P01–57P03), and a
/// database not accepting connections (55000, as `ALLOW_CONNECTIONS false` answers at connect).
fn is_outage_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "53300" | "57P01" | "57P02" | "57P03" | "55000")
}

/// Marks an error response with the message its page should show.
#[derive(Clone, Copy, Debug)]
pub struct ErrorMessage(pub &'static str);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Forbidden | AppError::Csrf | AppError::SessionExpired => {
                StatusCode::FORBIDDEN
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let mut builder = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            builder.insert_header(("retry-after", retry_after_secs.to_string()));
        }
        if matches!(self, AppError::Unavailable) {
            builder.insert_header(("retry-after", "5"));
        }
        let mut response = builder
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string());
        response
            .extensions_mut()
            .insert(ErrorMessage(self.message_key()));
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    title_key: &'static str,
    message_key: &'static str,
    request_id: String,
}

fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error.bad_request",
        403 => "error.forbidden",
        404 => "error.not_found",
        405 => "error.method_not_allowed",
        409 => "error.conflict",
        413 => "error.payload_too_large",
        415 => "error.bad_request",
        422 => "error.unprocessable",
        429 => "error.too_many_requests",
        503 => "error.unavailable",
        s if s >= 500 => "error.internal",
        _ => "error.bad_request",
    }
}

fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "error.title_forbidden",
        404 | 410 => "error.title_not_found",
        429 => "error.title_slow_down",
        s if s >= 500 => "error.title_server",
        _ => "error.title_request",
    }
}

fn error_page(req: &HttpRequest, original: &HttpResponse<impl MessageBody>) -> HttpResponse {
    let status = original.status();
    let message_key = original
        .extensions()
        .get::<ErrorMessage>()
        .map(|m| m.0)
        .unwrap_or_else(|| default_message(status));
    let page = ErrorPage {
        ctx: Ctx::from_http(req),
        status: status.as_u16(),
        title_key: title_for(status),
        message_key,
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
    };
    let mut builder = HttpResponse::build(status);
    for name in ["retry-after", "allow"] {
        if let Some(v) = original.headers().get(name) {
            builder.insert_header((name, v.clone()));
        }
    }
    let body = page
        .render()
        .unwrap_or_else(|_| format!("Error {}", status.as_u16()));
    let mut response = builder.content_type("text/html; charset=utf-8").body(body);
    response.extensions_mut().insert(Rendered);
    response
}

pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    // The request must not be cloned before routing (actix needs it unshared), so the page is built
    // from the response's own request afterwards. Inner middleware answer errors as responses.
    let res = next.call(req).await?;
    let status = res.status();
    let already_a_page = res.response().extensions().contains::<Rendered>();
    if (status.is_client_error() || status.is_server_error()) && !already_a_page {
        let page = error_page(res.request(), res.response());
        return Ok(res.into_response(page).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// Unknown routes.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::is_outage_code;

    #[test]
    fn outages_are_told_apart_from_query_errors() {
        for code in ["08006", "08001", "53300", "57P01", "57P03", "55000"] {
            assert!(is_outage_code(code), "{code}");
        }
        // A unique violation or a syntax error is a bug or a race, not an outage.
        for code in ["23505", "42601", "40001"] {
            assert!(!is_outage_code(code), "{code}");
        }
    }
}
