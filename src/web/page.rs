//! What every page template needs (language, user, CSRF token, navigation, flash message), and the
//! one way pages are turned into responses.

use std::borrow::Borrow;
use std::future::{Ready, ready};

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use super::i18n::{Locale, fill};
use super::session::{SessionUser, Visitor, flash_cookie};
use super::{AppError, csrf};
use crate::accounts::Role;
use crate::app::AppState;

/// Marks a response whose body is already a finished page (the error middleware leaves it alone).
#[derive(Clone, Copy, Debug)]
pub struct Rendered;

/// The layout context of a page.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub locale: Locale,
    pub user: Option<SessionUser>,
    pub csrf: String,
    pub path: String,
    flash: Option<String>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label_key: &'static str,
    pub current: bool,
}

pub struct LocaleChoice {
    pub tag: &'static str,
    pub name: &'static str,
    pub current: bool,
}

impl Ctx {
    pub fn from_http(req: &HttpRequest) -> Ctx {
        let visitor = req.extensions().get::<Visitor>().cloned();
        let locale = visitor.as_ref().map(|v| v.locale).unwrap_or_else(|| {
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
                .unwrap_or(Locale::En)
        });
        let csrf = match (&visitor, req.app_data::<web::Data<AppState>>()) {
            (Some(v), Some(state)) if !v.binding.is_empty() => {
                csrf::token(&state.csrf_key, &v.binding)
            }
            _ => String::new(),
        };
        Ctx {
            locale,
            user: visitor.as_ref().and_then(|v| v.user.clone()),
            csrf,
            path: req.path().to_string(),
            flash: visitor.and_then(|v| v.flash),
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.locale.t(key)
    }

    /// A message with one `{name}` placeholder filled in.
    pub fn tf(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        fill(self.locale.t(key), &[(name, &value.to_string())])
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn user_name(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.display_name.as_str())
            .unwrap_or("")
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.user.as_ref().is_some_and(|u| u.roles.has(role))
    }

    /// The flash message, if it names a message in the catalog (anything else is ignored).
    pub fn flash_text(&self) -> Option<&str> {
        let key = self.flash.as_deref()?;
        self.locale.catalog().get(key).map(String::as_str)
    }

    /// Navigation for the roles the user holds.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut links = Vec::new();
        let mut add = |href: &'static str, label_key: &'static str| {
            let current = self.path == href || self.path.starts_with(&format!("{href}/"));
            links.push(NavLink {
                href,
                label_key,
                current,
            });
        };
        if user.roles.has(Role::Trainee) {
            add("/learn", "nav.learn");
        }
        add("/courses", "nav.courses");
        if user.roles.has(Role::Trainee) || user.roles.has(Role::Instructor) {
            add("/lab", "nav.lab");
            add("/quizzes", "nav.quizzes");
        }
        if user.roles.has(Role::Trainee) {
            add("/certifications", "cert.nav");
            add("/calibration", "calibration.nav");
            add("/me/progress", "dash.nav_progress");
        }
        if user.roles.has(Role::Supervisor) {
            add("/team", "nav.team");
        } else if user.roles.has(Role::Admin) {
            add("/team/dashboard", "dash.nav_teams");
        }
        if user.roles.has(Role::Instructor) {
            add("/instruct", "nav.instruct");
        }
        if user.roles.has(Role::Admin) {
            add("/admin", "nav.admin");
        }
        add("/account", "nav.account");
        links
    }

    pub fn locales(&self) -> Vec<LocaleChoice> {
        Locale::ALL
            .iter()
            .map(|l| LocaleChoice {
                tag: l.tag(),
                name: l.native_name(),
                current: *l == self.locale,
            })
            .collect()
    }

    /// A time stored as epoch milliseconds, shown in UTC.
    pub fn datetime(&self, ms: impl Borrow<i64>) -> String {
        format_utc(*ms.borrow())
    }

    pub fn datetime_opt(&self, ms: impl Borrow<Option<i64>>) -> String {
        match ms.borrow() {
            Some(ms) => format_utc(*ms),
            None => self.t("common.never").to_string(),
        }
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Ctx::from_http(req)))
    }
}

/// The signed-in user, for handlers behind `Access::SignedIn` or a role.
impl FromRequest for SessionUser {
    type Error = AppError;
    type Future = Ready<Result<SessionUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Visitor>()
                .and_then(|v| v.user.clone())
                .ok_or(AppError::Forbidden),
        )
    }
}

pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, page)
}

pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    let body = page
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering a page: {e}")))?;
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    response.extensions_mut().insert(Rendered);
    Ok(response)
}

/// 303 See Other: the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .finish()
}

/// 303 with a one-time message for the next page.
pub fn see_other_with_flash(state: &AppState, location: &str, message_key: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .cookie(flash_cookie(message_key, state.config.secure_cookies))
        .finish()
}

/// `YYYY-MM-DD HH:MM UTC` from epoch milliseconds (civil-from-days, no time zone database needed).
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// ISO 8601 in UTC from epoch milliseconds, for exports: `2026-11-23T09:45:00Z`.
pub fn format_iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `YYYY-MM-DD` from epoch milliseconds.
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(1000).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; the inverse of
/// `civil_from_days`). No time zone database needed: every stored time is UTC.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_427_100_000), "2026-11-23 09:45 UTC");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_iso(1_795_427_100_123), "2026-11-23T09:45:00Z");
    }
}
