//! Administration: users (create, invite, roles, deactivate, password reset links) and teams.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::routes::blocking;
use super::store::{self, AuditEntry, MemberKind, Team, TeamPerson, TokenPurpose, User};
use super::{DisplayName, Email, NewPassword, Role, hash_password};
use crate::app::AppState;
use crate::db::now_ms;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, random_token, render, render_status, sha256_hex};

type Page = Result<HttpResponse, AppError>;

const INVITE_DAYS: i64 = 7;
const RESET_HOURS: i64 = 24;

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    total_users: i64,
    per_role: Vec<(String, i64)>,
    teams: usize,
    audit: Vec<AuditEntry>,
}

impl OverviewPage {
    fn role_label(&self, key: &str) -> &'static str {
        Role::parse(key)
            .map(Role::label_key)
            .unwrap_or("admin.unknown_role")
    }
}

pub async fn overview(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let page = OverviewPage {
        ctx,
        total_users: store::count_users(&state.db).await?,
        per_role: store::active_users_per_role(&state.db).await?,
        teams: store::list_teams(&state.db).await?.len(),
        audit: store::recent_audit(&state.db, 20).await?,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    query: String,
    users: Vec<User>,
}

#[derive(Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
}

pub async fn users(ctx: Ctx, state: web::Data<AppState>, query: web::Query<UsersQuery>) -> Page {
    let q = query.q.clone().unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(AppError::BadRequest("error.form_malformed"));
    }
    let users = store::search_users(&state.db, &q, 500).await?;
    render(&UsersPage {
        ctx,
        query: q,
        users,
    })
}

#[derive(Template)]
#[template(path = "admin/new_user.html")]
struct NewUserPage {
    ctx: Ctx,
    teams: Vec<Team>,
    email: String,
    display_name: String,
    roles: Vec<String>,
    team: String,
    error: Option<String>,
    min_chars: usize,
}

impl NewUserPage {
    fn all_roles(&self) -> [Role; 4] {
        Role::ALL
    }

    fn role_checked(&self, role: &Role) -> bool {
        self.roles.iter().any(|r| r == role.key())
    }
}

pub async fn new_user_form(ctx: Ctx, state: web::Data<AppState>) -> Page {
    render(&NewUserPage {
        ctx,
        teams: store::list_teams(&state.db).await?,
        email: String::new(),
        display_name: String::new(),
        roles: vec!["trainee".to_string()],
        team: String::new(),
        error: None,
        min_chars: NewPassword::MIN_CHARS,
    })
}

#[derive(Template)]
#[template(path = "admin/link_created.html")]
struct LinkCreatedPage {
    ctx: Ctx,
    user: User,
    link: String,
    invite: bool,
    expires_at: i64,
}

fn absolute_link(req: &HttpRequest, token: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/password/{token}", info.scheme(), info.host())
}

/// Parses the role checkboxes; at least one role, all known.
fn parse_roles(form: &FormFields) -> Result<Vec<Role>, &'static str> {
    let roles: Vec<Role> = form
        .all("role")
        .into_iter()
        .map(|r| Role::parse(r).map_err(|_| "admin.roles_invalid"))
        .collect::<Result<_, _>>()?;
    if roles.is_empty() {
        Err("admin.roles_required")
    } else {
        Ok(roles)
    }
}

pub async fn create_user(
    req: HttpRequest,
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let teams = store::list_teams(&state.db).await?;
    let team_field = form.get("team").to_string();
    let refuse = |ctx: Ctx, teams: Vec<Team>, status: StatusCode, key: &str| {
        let page = NewUserPage {
            error: Some(ctx.t(key).to_string()),
            ctx,
            teams,
            email: form.get("email").trim().to_string(),
            display_name: form.get("display_name").trim().to_string(),
            roles: form.all("role").into_iter().map(str::to_string).collect(),
            team: team_field.clone(),
            min_chars: NewPassword::MIN_CHARS,
        };
        render_status(status, &page)
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let email = match Email::parse(form.get("email")) {
        Ok(e) => e,
        Err(key) => return refuse(ctx, teams, unprocessable, key),
    };
    let name = match DisplayName::parse(form.get("display_name")) {
        Ok(n) => n,
        Err(key) => return refuse(ctx, teams, unprocessable, key),
    };
    let roles = match parse_roles(&form) {
        Ok(r) => r,
        Err(key) => return refuse(ctx, teams, unprocessable, key),
    };
    let team_id = match team_field.as_str() {
        "" => None,
        id => match id
            .parse::<i64>()
            .ok()
            .filter(|id| teams.iter().any(|t| t.id == *id))
        {
            Some(id) => Some(id),
            None => return Err(AppError::BadRequest("error.form_malformed")),
        },
    };
    let password = match form.get("password") {
        "" => None,
        raw => match NewPassword::parse(raw, Some(&email)) {
            Ok(p) => Some(p),
            Err(key) => return refuse(ctx, teams, unprocessable, key),
        },
    };
    let hash = match password {
        Some(p) => Some(blocking(move || hash_password(&p)).await??),
        None => None,
    };
    let new = store::NewUser {
        email: email.as_str(),
        display_name: name.as_str(),
        password_hash: hash.as_deref(),
        roles: &roles,
        locale: None,
    };
    let id = match store::create_user(&state.db, &new).await {
        Ok(id) => id,
        Err(e) if store::is_unique_violation(&e) => {
            return refuse(ctx, teams, StatusCode::CONFLICT, "admin.email_taken");
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(team_id) = team_id {
        if roles.contains(&Role::Trainee) {
            store::add_team_member(&state.db, team_id, id, MemberKind::Member).await?;
        }
        if roles.contains(&Role::Supervisor) {
            store::add_team_member(&state.db, team_id, id, MemberKind::Supervisor).await?;
        }
    }
    store::audit(&state.db, Some(admin.id), "user.created", email.as_str()).await?;
    if hash.is_some() {
        return Ok(see_other_with_flash(
            &state,
            &format!("/admin/users/{id}"),
            "admin.user_created",
        ));
    }
    let user = store::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    link_page(&req, ctx, &state, user, TokenPurpose::Invite).await
}

async fn link_page(
    req: &HttpRequest,
    ctx: Ctx,
    state: &AppState,
    user: User,
    purpose: TokenPurpose,
) -> Page {
    let token = random_token();
    let lifetime = match purpose {
        TokenPurpose::Invite => INVITE_DAYS * 24 * 3_600_000,
        TokenPurpose::Reset => RESET_HOURS * 3_600_000,
    };
    let expires_at = now_ms() + lifetime;
    store::create_password_token(&state.db, &sha256_hex(&token), user.id, purpose, expires_at)
        .await?;
    let link = absolute_link(req, &token);
    render(&LinkCreatedPage {
        ctx,
        user,
        link,
        invite: purpose == TokenPurpose::Invite,
        expires_at,
    })
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    ctx: Ctx,
    user: User,
    memberships: Vec<TeamPerson>,
    is_self: bool,
    error: Option<String>,
}

impl UserPage {
    fn all_roles(&self) -> [Role; 4] {
        Role::ALL
    }

    fn has_role(&self, role: &Role) -> bool {
        self.user.roles.has(*role)
    }
}

use crate::web::path_id;

async fn user_or_404(state: &AppState, raw_id: &str) -> Result<User, AppError> {
    store::user_by_id(&state.db, path_id(raw_id)?)
        .await?
        .ok_or(AppError::NotFound)
}

async fn user_page_with(
    ctx: Ctx,
    state: &AppState,
    admin: &SessionUser,
    user: User,
    error: Option<String>,
) -> Page {
    let memberships = store::memberships_of(&state.db, user.id).await?;
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let is_self = user.id == admin.id;
    render_status(
        status,
        &UserPage {
            ctx,
            user,
            memberships,
            is_self,
            error,
        },
    )
}

pub async fn user_page(
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let user = user_or_404(&state, &id).await?;
    user_page_with(ctx, &state, &admin, user, None).await
}

pub async fn update_user(
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let user = user_or_404(&state, &id).await?;
    let name = match DisplayName::parse(form.get("display_name")) {
        Ok(n) => n,
        Err(key) => {
            let msg = ctx.t(key).to_string();
            return user_page_with(ctx, &state, &admin, user, Some(msg)).await;
        }
    };
    let roles = match parse_roles(&form) {
        Ok(r) => r,
        Err(key) => {
            let msg = ctx.t(key).to_string();
            return user_page_with(ctx, &state, &admin, user, Some(msg)).await;
        }
    };
    if user.id == admin.id && !roles.contains(&Role::Admin) {
        let msg = ctx.t("admin.cannot_demote_self").to_string();
        return user_page_with(ctx, &state, &admin, user, Some(msg)).await;
    }
    store::update_profile(&state.db, user.id, name.as_str(), user.locale.as_deref()).await?;
    store::set_roles(&state.db, user.id, &roles).await?;
    store::audit(&state.db, Some(admin.id), "user.updated", &user.email).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/users/{}", user.id),
        "admin.user_saved",
    ))
}

pub async fn deactivate_user(
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let user = user_or_404(&state, &id).await?;
    if user.id == admin.id {
        let msg = ctx.t("admin.cannot_deactivate_self").to_string();
        return user_page_with(ctx, &state, &admin, user, Some(msg)).await;
    }
    store::set_active(&state.db, user.id, false).await?;
    store::audit(&state.db, Some(admin.id), "user.deactivated", &user.email).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/users/{}", user.id),
        "admin.user_deactivated",
    ))
}

pub async fn reactivate_user(
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let user = user_or_404(&state, &id).await?;
    store::set_active(&state.db, user.id, true).await?;
    store::audit(&state.db, Some(admin.id), "user.reactivated", &user.email).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/users/{}", user.id),
        "admin.user_reactivated",
    ))
}

pub async fn reset_password(
    req: HttpRequest,
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Page {
    let user = user_or_404(&state, &id).await?;
    store::audit(&state.db, Some(admin.id), "user.reset_link", &user.email).await?;
    link_page(&req, ctx, &state, user, TokenPurpose::Reset).await
}

// ---- teams ----

#[derive(Template)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    ctx: Ctx,
    teams: Vec<Team>,
    name: String,
    error: Option<String>,
}

pub async fn teams(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let teams = store::list_teams(&state.db).await?;
    render(&TeamsPage {
        ctx,
        teams,
        name: String::new(),
        error: None,
    })
}

pub async fn create_team(
    ctx: Ctx,
    admin: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let name = form.get("name").trim().to_string();
    let refuse = |ctx: Ctx, teams: Vec<Team>, status: StatusCode, key: &str| {
        let error = Some(ctx.t(key).to_string());
        render_status(
            status,
            &TeamsPage {
                ctx,
                teams,
                name: name.clone(),
                error,
            },
        )
    };
    let len = name.chars().count();
    if len == 0 || len > 80 || name.chars().any(char::is_control) {
        let teams = store::list_teams(&state.db).await?;
        return refuse(
            ctx,
            teams,
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin.team_name_invalid",
        );
    }
    let id = match store::create_team(&state.db, &name).await {
        Ok(id) => id,
        Err(e) if store::is_unique_violation(&e) => {
            let teams = store::list_teams(&state.db).await?;
            return refuse(ctx, teams, StatusCode::CONFLICT, "admin.team_name_taken");
        }
        Err(e) => return Err(e.into()),
    };
    store::audit(&state.db, Some(admin.id), "team.created", &name).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/teams/{id}"),
        "admin.team_created",
    ))
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    ctx: Ctx,
    team: Team,
    people: Vec<TeamPerson>,
    candidates: Vec<User>,
}

pub async fn team_page(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> Page {
    let team = store::team_by_id(&state.db, path_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = store::team_people(&state.db, team.id).await?;
    let candidates = store::search_users(&state.db, "", 1000)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    render(&TeamPage {
        ctx,
        team,
        people,
        candidates,
    })
}

async fn membership_change(
    state: &AppState,
    raw_team: &str,
    form: &FormFields,
) -> Result<(Team, User, MemberKind), AppError> {
    let team = store::team_by_id(&state.db, path_id(raw_team)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = store::user_by_id(&state.db, form.id("user_id")?)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind =
        MemberKind::parse(form.get("kind")).ok_or(AppError::BadRequest("error.form_malformed"))?;
    Ok((team, user, kind))
}

pub async fn add_member(
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let (team, user, kind) = membership_change(&state, &id, &form).await?;
    let needed = match kind {
        MemberKind::Member => Role::Trainee,
        MemberKind::Supervisor => Role::Supervisor,
    };
    if !user.roles.has(needed) {
        return Err(AppError::Unprocessable(match kind {
            MemberKind::Member => "admin.member_needs_trainee",
            MemberKind::Supervisor => "admin.supervisor_needs_role",
        }));
    }
    store::add_team_member(&state.db, team.id, user.id, kind).await?;
    store::audit(
        &state.db,
        Some(admin.id),
        "team.member_added",
        &format!("{} → {}", user.email, team.name),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/teams/{}", team.id),
        "admin.member_added",
    ))
}

pub async fn remove_member(
    admin: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let (team, user, kind) = membership_change(&state, &id, &form).await?;
    if !store::remove_team_member(&state.db, team.id, user.id, kind).await? {
        return Err(AppError::NotFound);
    }
    store::audit(
        &state.db,
        Some(admin.id),
        "team.member_removed",
        &format!("{} ← {}", user.email, team.name),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/admin/teams/{}", team.id),
        "admin.member_removed",
    ))
}
