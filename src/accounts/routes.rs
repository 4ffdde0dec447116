//! Signing in and out, the user's own account, one-time password links, first-admin setup, and the
//! home page of each role.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::rate_limit::{self, Blocked};
use super::store::{self, TeamPerson};
use super::{DisplayName, Email, NewPassword, Role, decoy_hash, hash_password, verify_password};
use crate::app::AppState;
use crate::config::Config;
use crate::taxonomy::{self, Label, LabelKind};
use crate::web::i18n::Locale;
use crate::web::page::{see_other, see_other_with_flash};
use crate::web::session::{
    LANG_COOKIE, SESSION_COOKIE, SessionUser, build_cookie, removal_cookie, start_session,
};
use crate::web::{AppError, Ctx, FormFields, render, render_status, safe_local_path, sha256_hex};

pub const SETUP_TOKEN_SETTING: &str = "setup_token_hash";

type Page = Result<HttpResponse, AppError>;

/// The address failed sign-ins are counted against.
fn client_address(req: &HttpRequest, config: &Config) -> String {
    let from_proxy = config
        .behind_proxy
        .then(|| {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        })
        .flatten();
    from_proxy
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Runs a CPU-heavy password operation on the blocking pool, away from the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    web::block(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))
}

pub async fn root(ctx: Ctx) -> HttpResponse {
    match &ctx.user {
        Some(user) => see_other(user.roles.home_path()),
        None => see_other("/login"),
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    ctx: Ctx,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

pub async fn login_form(ctx: Ctx, query: web::Query<LoginQuery>) -> Page {
    if let Some(user) = &ctx.user {
        return Ok(see_other(user.roles.home_path()));
    }
    let notice = query
        .expired
        .is_some()
        .then(|| ctx.t("login.expired").to_string());
    let next = safe_local_path(query.next.as_deref()).unwrap_or_default();
    render(&LoginPage {
        ctx,
        email: String::new(),
        next,
        error: None,
        notice,
    })
}

pub async fn login(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let next = safe_local_path(form.opt("next")).unwrap_or_default();
    let refuse = |ctx: Ctx, status: StatusCode, message: String| {
        let email = form.get("email").trim().to_string();
        render_status(
            status,
            &LoginPage {
                ctx,
                email,
                next: next.clone(),
                error: Some(message),
                notice: None,
            },
        )
    };
    let Ok(email) = Email::parse(form.get("email")) else {
        let msg = ctx.t("login.wrong_credentials").to_string();
        return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, msg);
    };
    let password = form.get("password").to_string();
    if password.is_empty() || password.len() > 1024 {
        let msg = ctx.t("login.wrong_credentials").to_string();
        return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, msg);
    }
    let limits = state.config.login_limits;
    let client = client_address(&req, &state.config);
    if let Some(blocked) = rate_limit::check(&state.db, &limits, email.as_str(), &client).await? {
        let minutes = (blocked.retry_after_secs() + 59) / 60;
        let key = match blocked {
            Blocked::Account { .. } => "login.blocked_account",
            Blocked::Client { .. } => "login.blocked_client",
        };
        let msg = ctx.tf(key, "minutes", minutes);
        let mut page = refuse(ctx, StatusCode::TOO_MANY_REQUESTS, msg)?;
        if let Ok(v) = blocked.retry_after_secs().to_string().parse() {
            page.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
        return Ok(page);
    }

    let credentials = store::credentials(&state.db, email.as_str()).await?;
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let hash = stored.clone().unwrap_or_else(|| decoy_hash().to_string());
    let matches = blocking(move || verify_password(&password, &hash)).await?;
    let user = match credentials {
        Some(c) if matches && stored.is_some() => c,
        _ => {
            rate_limit::record_failure(&state.db, &limits, email.as_str(), &client).await?;
            tracing::info!(client = %client, "failed sign-in");
            let msg = ctx.t("login.wrong_credentials").to_string();
            return refuse(ctx, StatusCode::UNAUTHORIZED, msg);
        }
    };
    if !user.active {
        let msg = ctx.t("login.deactivated").to_string();
        return refuse(ctx, StatusCode::FORBIDDEN, msg);
    }
    rate_limit::clear_account(&state.db, email.as_str()).await?;
    // A new session id on every sign-in; an old session of this browser is ended.
    if let Some(old) = req.cookie(SESSION_COOKIE) {
        store::delete_session(&state.db, &sha256_hex(old.value())).await?;
    }
    let cookie = start_session(&state, user.user_id).await?;
    let roles = store::roles_of(&state.db, user.user_id).await?;
    let target = if next.is_empty() {
        roles.home_path().to_string()
    } else {
        next
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", target))
        .cookie(cookie)
        .finish())
}

pub async fn logout(user: SessionUser, state: web::Data<AppState>) -> Page {
    store::delete_session(&state.db, &user.session_hash).await?;
    let mut response = see_other_with_flash(&state, "/login", "login.signed_out");
    let _ = response.add_cookie(&removal_cookie(SESSION_COOKIE, state.config.secure_cookies));
    Ok(response)
}

pub async fn switch_language(ctx: Ctx, state: web::Data<AppState>, form: FormFields) -> Page {
    let locale =
        Locale::parse(form.get("locale")).ok_or(AppError::BadRequest("error.form_malformed"))?;
    if let Some(user) = &ctx.user {
        store::set_locale(&state.db, user.id, locale.tag()).await?;
    }
    let back = safe_local_path(form.opt("back")).unwrap_or_else(|| "/".to_string());
    let cookie = build_cookie(
        LANG_COOKIE,
        locale.tag().to_string(),
        state.config.secure_cookies,
        365 * 24 * 3600,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", back))
        .cookie(cookie)
        .finish())
}

// ---- own account ----

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    ctx: Ctx,
    display_name: String,
    email: String,
    locale: String,
    roles: Vec<Role>,
    memberships: Vec<TeamPerson>,
    error: Option<String>,
}

async fn account_page_for(
    ctx: Ctx,
    state: &AppState,
    user: &SessionUser,
    error: Option<String>,
) -> Page {
    let record = store::user_by_id(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let memberships = store::memberships_of(&state.db, user.id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = AccountPage {
        ctx,
        display_name: record.display_name,
        email: record.email,
        locale: record.locale.unwrap_or_default(),
        roles: record.roles.iter().collect(),
        memberships,
        error,
    };
    render_status(status, &page)
}

pub async fn account_page(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    account_page_for(ctx, &state, &user, None).await
}

pub async fn update_account(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let name = match DisplayName::parse(form.get("display_name")) {
        Ok(name) => name,
        Err(key) => {
            let msg = ctx.t(key).to_string();
            return account_page_for(ctx, &state, &user, Some(msg)).await;
        }
    };
    let locale = match form.get("locale") {
        "" => None,
        tag => Some(
            Locale::parse(tag)
                .ok_or(AppError::BadRequest("error.form_malformed"))?
                .tag(),
        ),
    };
    store::update_profile(&state.db, user.id, name.as_str(), locale).await?;
    Ok(see_other_with_flash(&state, "/account", "account.saved"))
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct ChangePasswordPage {
    ctx: Ctx,
    error: Option<String>,
    min_chars: usize,
}

pub async fn change_password_form(ctx: Ctx) -> Page {
    render(&ChangePasswordPage {
        ctx,
        error: None,
        min_chars: NewPassword::MIN_CHARS,
    })
}

pub async fn change_password(
    req: HttpRequest,
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let refuse = |ctx: Ctx, status: StatusCode, key: &str| {
        let error = Some(ctx.t(key).to_string());
        render_status(
            status,
            &ChangePasswordPage {
                ctx,
                error,
                min_chars: NewPassword::MIN_CHARS,
            },
        )
    };
    let limits = state.config.login_limits;
    let client = client_address(&req, &state.config);
    if rate_limit::check(&state.db, &limits, &user.email, &client)
        .await?
        .is_some()
    {
        return refuse(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "account.too_many_attempts",
        );
    }
    let current = form.get("current_password").to_string();
    let stored = store::stored_password_hash(&state.db, user.id)
        .await?
        .unwrap_or_default();
    if current.len() > 1024 || !blocking(move || verify_password(&current, &stored)).await? {
        rate_limit::record_failure(&state.db, &limits, &user.email, &client).await?;
        return refuse(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "account.current_password_wrong",
        );
    }
    let email = Email::parse(&user.email).ok();
    let new = match NewPassword::parse(form.get("new_password"), email.as_ref()) {
        Ok(p) => p,
        Err(key) => return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, key),
    };
    if form.get("confirm_password") != new.as_str() {
        return refuse(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "error.password_mismatch",
        );
    }
    let hash = blocking(move || hash_password(&new)).await??;
    // Every session of the user ends (a stolen one too); this browser gets a fresh one.
    store::set_password_and_revoke_sessions(&state.db, user.id, &hash).await?;
    store::audit(&state.db, Some(user.id), "password.changed", &user.email).await?;
    let cookie = start_session(&state, user.id).await?;
    let mut response = see_other_with_flash(&state, "/account", "account.password_changed");
    let _ = response.add_cookie(&cookie);
    Ok(response)
}

// ---- one-time password links ----

#[derive(Template)]
#[template(path = "accounts/set_password.html")]
struct SetPasswordPage {
    ctx: Ctx,
    token: String,
    email: String,
    error: Option<String>,
    min_chars: usize,
}

async fn link_owner(state: &AppState, token: &str) -> Result<store::User, AppError> {
    let user_id = store::usable_password_token(&state.db, &sha256_hex(token))
        .await?
        .ok_or(AppError::Gone("password_link.invalid"))?;
    store::user_by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::Gone("password_link.invalid"))
}

pub async fn set_password_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Page {
    let owner = link_owner(&state, &token).await?;
    render(&SetPasswordPage {
        ctx,
        token: token.into_inner(),
        email: owner.email,
        error: None,
        min_chars: NewPassword::MIN_CHARS,
    })
}

pub async fn set_password(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: FormFields,
) -> Page {
    let owner = link_owner(&state, &token).await?;
    let email = Email::parse(&owner.email).ok();
    let checked = NewPassword::parse(form.get("new_password"), email.as_ref()).and_then(|p| {
        if form.get("confirm_password") == p.as_str() {
            Ok(p)
        } else {
            Err("error.password_mismatch")
        }
    });
    let new = match checked {
        Ok(p) => p,
        Err(key) => {
            let page = SetPasswordPage {
                error: Some(ctx.t(key).to_string()),
                ctx,
                token: token.into_inner(),
                email: owner.email,
                min_chars: NewPassword::MIN_CHARS,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let hash = blocking(move || hash_password(&new)).await??;
    if !store::redeem_password_token(&state.db, &sha256_hex(&token), owner.id, &hash).await? {
        return Err(AppError::Gone("password_link.invalid"));
    }
    store::audit(
        &state.db,
        Some(owner.id),
        "password.set_by_link",
        &owner.email,
    )
    .await?;
    Ok(see_other_with_flash(&state, "/login", "password_link.done"))
}

// ---- first administrator ----

#[derive(Template)]
#[template(path = "accounts/setup.html")]
struct SetupPage {
    ctx: Ctx,
    email: String,
    display_name: String,
    error: Option<String>,
    min_chars: usize,
}

pub async fn setup_form(ctx: Ctx, state: web::Data<AppState>) -> Page {
    if store::count_users(&state.db).await? > 0 {
        return Err(AppError::NotFound);
    }
    render(&SetupPage {
        ctx,
        email: String::new(),
        display_name: String::new(),
        error: None,
        min_chars: NewPassword::MIN_CHARS,
    })
}

pub async fn setup(ctx: Ctx, state: web::Data<AppState>, form: FormFields) -> Page {
    if store::count_users(&state.db).await? > 0 {
        return Err(AppError::NotFound);
    }
    let refuse = |ctx: Ctx, status: StatusCode, key: &str| {
        let page = SetupPage {
            error: Some(ctx.t(key).to_string()),
            ctx,
            email: form.get("email").trim().to_string(),
            display_name: form.get("display_name").trim().to_string(),
            min_chars: NewPassword::MIN_CHARS,
        };
        render_status(status, &page)
    };
    let token_hash = sha256_hex(form.get("setup_token").trim());
    if store::setting(&state.db, SETUP_TOKEN_SETTING)
        .await?
        .as_deref()
        != Some(token_hash.as_str())
    {
        return refuse(ctx, StatusCode::FORBIDDEN, "setup.wrong_token");
    }
    let email = match Email::parse(form.get("email")) {
        Ok(e) => e,
        Err(key) => return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, key),
    };
    let name = match DisplayName::parse(form.get("display_name")) {
        Ok(n) => n,
        Err(key) => return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, key),
    };
    let password = match NewPassword::parse(form.get("password"), Some(&email)) {
        Ok(p) if form.get("confirm_password") == p.as_str() => p,
        Ok(_) => {
            return refuse(
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "error.password_mismatch",
            );
        }
        Err(key) => return refuse(ctx, StatusCode::UNPROCESSABLE_ENTITY, key),
    };
    // Exactly one request may use the token, even if two arrive together.
    if !store::take_setting(&state.db, SETUP_TOKEN_SETTING, &token_hash).await? {
        return refuse(ctx, StatusCode::FORBIDDEN, "setup.wrong_token");
    }
    let hash = blocking(move || hash_password(&password)).await??;
    let new = store::NewUser {
        email: email.as_str(),
        display_name: name.as_str(),
        password_hash: Some(&hash),
        roles: &[Role::Admin],
        locale: Some(ctx.locale.tag()),
    };
    let id = store::create_user(&state.db, &new).await?;
    store::audit(&state.db, Some(id), "setup.first_admin", email.as_str()).await?;
    let cookie = start_session(&state, id).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/admin"))
        .cookie(cookie)
        .finish())
}

// ---- role home pages ----

#[derive(Template)]
#[template(path = "home/trainee.html")]
struct TraineeHome {
    ctx: Ctx,
    teams: Vec<TeamPerson>,
    supervisors: Vec<TeamPerson>,
    intents: Vec<Label>,
}

pub async fn trainee_home(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let teams = store::memberships_of(&state.db, user.id)
        .await?
        .into_iter()
        .filter(|m| m.kind == store::MemberKind::Member)
        .collect();
    let supervisors = store::supervisors_of(&state.db, user.id).await?;
    let intents = taxonomy::store::list(&state.db, LabelKind::Intent).await?;
    render(&TraineeHome {
        ctx,
        teams,
        supervisors,
        intents,
    })
}

#[derive(Template)]
#[template(path = "home/supervisor.html")]
struct SupervisorHome {
    ctx: Ctx,
    trainees: Vec<TeamPerson>,
    team_names: Vec<String>,
    quiet_after_ms: i64,
}

impl SupervisorHome {
    /// Trainees with no visit in the last seven days are highlighted.
    fn is_quiet(&self, person: &TeamPerson) -> bool {
        person
            .last_seen_at
            .is_none_or(|t| crate::db::now_ms() - t > self.quiet_after_ms)
    }
}

pub async fn supervisor_home(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let trainees = store::trainees_supervised_by(&state.db, user.id).await?;
    let team_names = store::memberships_of(&state.db, user.id)
        .await?
        .into_iter()
        .filter(|m| m.kind == store::MemberKind::Supervisor)
        .map(|m| m.team_name)
        .collect();
    render(&SupervisorHome {
        ctx,
        trainees,
        team_names,
        quiet_after_ms: 7 * 24 * 3_600_000,
    })
}

#[derive(Template)]
#[template(path = "home/instructor.html")]
struct InstructorHome {
    ctx: Ctx,
    intents: Vec<Label>,
    emotions: Vec<Label>,
}

pub async fn instructor_home(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let intents = taxonomy::store::list(&state.db, LabelKind::Intent).await?;
    let emotions = taxonomy::store::list(&state.db, LabelKind::Emotion).await?;
    render(&InstructorHome {
        ctx,
        intents,
        emotions,
    })
}
