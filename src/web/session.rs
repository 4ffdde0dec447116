//! Server-side sessions. The cookie holds a random token; the database holds its SHA-256 and the
//! user. Every request resolves the cookie to a `Visitor` (signed in or not) before routing.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};

use super::i18n::Locale;
use super::{AppError, random_token, sha256_hex};
use crate::accounts::{Roles, store};
use crate::app::AppState;
use crate::db::now_ms;

pub const SESSION_COOKIE: &str = "intentdojo_session";
pub const VISITOR_COOKIE: &str = "intentdojo_visitor";
pub const LANG_COOKIE: &str = "intentdojo_lang";
pub const FLASH_COOKIE: &str = "intentdojo_flash";

/// Refresh `last_seen_at` at most this often, so reads do not become writes on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub roles: Roles,
    pub session_hash: String,
}

/// Who is asking: resolved once per request by the session middleware.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub user: Option<SessionUser>,
    /// What CSRF tokens of this request are bound to: the session, or the anonymous visitor cookie.
    pub binding: String,
    /// The request carried a session cookie whose session has expired or was revoked.
    pub expired: bool,
    pub locale: Locale,
    pub flash: Option<String>,
}

impl Visitor {
    pub fn of(req: &HttpRequest) -> Option<Visitor> {
        req.extensions().get::<Visitor>().cloned()
    }
}

pub fn build_cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    build_cookie(name, String::new(), secure, 0)
}

/// A short-lived cookie naming a catalog message to show on the next page.
pub fn flash_cookie(key: &str, secure: bool) -> Cookie<'static> {
    build_cookie(FLASH_COOKIE, key.to_string(), secure, 60)
}

fn negotiated_locale(req: &ServiceRequest, user_locale: Option<&str>) -> Locale {
    user_locale
        .and_then(Locale::parse)
        .or_else(|| {
            req.cookie(LANG_COOKIE)
                .and_then(|c| Locale::parse(c.value()))
        })
        .or_else(|| {
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or(Locale::En)
}

/// Requests that never need a session: probes, metrics and static files.
fn is_sessionless(path: &str) -> bool {
    path.starts_with("/static/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.ico")
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered");
    let secure = state.config.secure_cookies;
    if is_sessionless(req.path()) {
        let locale = negotiated_locale(&req, None);
        req.extensions_mut().insert(Visitor {
            user: None,
            binding: String::new(),
            expired: false,
            locale,
            flash: None,
        });
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }

    let mut expired = false;
    let mut user = None;
    let mut user_locale = None;
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = sha256_hex(cookie.value());
        match resolve_session(&state, &hash).await {
            Ok(Some((u, locale))) => {
                user = Some(u);
                user_locale = locale;
            }
            Ok(None) => expired = true,
            Err(e) => {
                let locale = negotiated_locale(&req, None);
                req.extensions_mut().insert(Visitor {
                    user: None,
                    binding: String::new(),
                    expired: false,
                    locale,
                    flash: None,
                });
                return Ok(req.error_response(AppError::from(e)).map_into_right_body());
            }
        }
    }

    let mut new_visitor_cookie = None;
    let binding = match &user {
        Some(u) => format!("s:{}", u.session_hash),
        None => {
            let visitor_id = match req.cookie(VISITOR_COOKIE) {
                Some(c) if c.value().len() >= 32 => c.value().to_string(),
                _ => {
                    let id = random_token();
                    new_visitor_cookie = Some(id.clone());
                    id
                }
            };
            format!("a:{visitor_id}")
        }
    };
    let flash = req
        .cookie(FLASH_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|k| !k.is_empty());
    let had_flash = flash.is_some();
    let locale = negotiated_locale(&req, user_locale.as_deref());
    req.extensions_mut().insert(Visitor {
        user,
        binding,
        expired,
        locale,
        flash,
    });

    let mut res = next.call(req).await?.map_into_left_body();
    if let Some(id) = new_visitor_cookie {
        let _ = res.response_mut().add_cookie(&build_cookie(
            VISITOR_COOKIE,
            id,
            secure,
            365 * 24 * 3600,
        ));
    }
    if expired && !res.response().cookies().any(|c| c.name() == SESSION_COOKIE) {
        let _ = res
            .response_mut()
            .add_cookie(&removal_cookie(SESSION_COOKIE, secure));
    }
    // A flash is shown once: cleared by the first page that is not itself a redirect.
    if had_flash
        && !res.status().is_redirection()
        && !res.response().cookies().any(|c| c.name() == FLASH_COOKIE)
    {
        let _ = res
            .response_mut()
            .add_cookie(&removal_cookie(FLASH_COOKIE, secure));
    }
    Ok(res)
}

/// Loads a session and enforces idle and absolute expiry and account deactivation.
async fn resolve_session(
    state: &AppState,
    hash: &str,
) -> sqlx::Result<Option<(SessionUser, Option<String>)>> {
    let Some(record) = store::load_session(&state.db, hash).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let idle = now - record.last_seen_at > state.config.session_idle_ms();
    let too_old = now - record.created_at > state.config.session_max_ms();
    if idle || too_old || !record.active {
        store::delete_session(&state.db, hash).await?;
        return Ok(None);
    }
    if now - record.last_seen_at > TOUCH_EVERY_MS {
        store::touch_session(&state.db, hash, record.user_id, now).await?;
    }
    let roles = store::roles_of(&state.db, record.user_id).await?;
    let user = SessionUser {
        id: record.user_id,
        email: record.email,
        display_name: record.display_name,
        roles,
        session_hash: hash.to_string(),
    };
    Ok(Some((user, record.locale)))
}

/// Starts a fresh session for a user (a new token every time: no session fixation) and returns the
/// cookie to set.
pub async fn start_session(state: &AppState, user_id: i64) -> sqlx::Result<Cookie<'static>> {
    let token = random_token();
    store::create_session(&state.db, &sha256_hex(&token), user_id).await?;
    Ok(build_cookie(
        SESSION_COOKIE,
        token,
        state.config.secure_cookies,
        state.config.session_max_ms() / 1000,
    ))
}
