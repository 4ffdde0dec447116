//! Instructor pages: the course outline, the lesson editor with server-rendered preview, version
//! history with view and restore, publishing, reordering, new modules and lessons.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::load::{self, Bilingual};
use super::render;
use super::routes::{Part, parts_for};
use super::store::{self, Course, Lesson, Module, Version};
use crate::app::AppState;
use crate::web::i18n::Locale;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render, render_status};

type Page = Result<HttpResponse, AppError>;

pub struct CourseOutline {
    pub course: Course,
    pub modules: Vec<(Module, Vec<Lesson>)>,
}

#[derive(Template)]
#[template(path = "courses/authoring/outline.html")]
struct OutlinePage {
    ctx: Ctx,
    outlines: Vec<CourseOutline>,
}

pub async fn outline(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let mut outlines = Vec::new();
    let lessons = store::lessons(&state.db, None).await?;
    for course in store::list_courses(&state.db).await? {
        let modules = store::modules_of(&state.db, course.id)
            .await?
            .into_iter()
            .map(|m| {
                let in_module = lessons
                    .iter()
                    .filter(|l| l.module_id == m.id)
                    .cloned()
                    .collect();
                (m, in_module)
            })
            .collect();
        outlines.push(CourseOutline { course, modules });
    }
    render(&OutlinePage { ctx, outlines })
}

use crate::web::path_id;

async fn lesson_or_404(state: &AppState, raw_id: &str) -> Result<(Lesson, Course), AppError> {
    let id = path_id(raw_id)?;
    let lesson = store::lessons(&state.db, None)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(AppError::NotFound)?;
    let course = store::course_by_id(&state.db, lesson.course_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((lesson, course))
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn editing_locale(raw: Option<&str>, fallback: Locale) -> Result<Locale, AppError> {
    match raw {
        None | Some("") => Ok(fallback),
        Some(tag) => Locale::parse(tag).ok_or(AppError::BadRequest("error.form_malformed")),
    }
}

/// The text a new translation starts from: the other language's current text, or a skeleton.
fn starter_text(title: &str) -> String {
    format!("+++\ntitle = {title:?}\nminutes = 10\ntags = []\n+++\n\n## \n")
}

#[derive(Template)]
#[template(path = "courses/authoring/editor.html")]
struct EditorPage {
    ctx: Ctx,
    course: Course,
    lesson: Lesson,
    lang: &'static str,
    source: String,
    current: Option<i64>,
    error: Option<String>,
    preview_title: Option<String>,
    parts: Vec<Part>,
}

impl EditorPage {
    fn locales(&self) -> [&'static str; 2] {
        ["en", "zh-CN"]
    }

    fn is_lang(&self, tag: &str) -> bool {
        self.lang == tag
    }
}

pub async fn editor(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Page {
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let locale = editing_locale(query.lang.as_deref(), ctx.locale)?;
    let current = store::current_version(&state.db, lesson.id, locale.tag()).await?;
    let source = match &current {
        Some(v) => v.source.clone(),
        None => starter_text(lesson.title(locale)),
    };
    render(&EditorPage {
        ctx,
        lang: locale.tag(),
        current: current.map(|v| v.version),
        course,
        lesson,
        source,
        error: None,
        preview_title: None,
        parts: Vec::new(),
    })
}

/// Preview or save. Both validate; an invalid text is shown again with the error and its line.
pub async fn save(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let locale = editing_locale(form.opt("lang"), ctx.locale)?;
    let source = form.get("source").replace("\r\n", "\n");
    if source.len() > render::MAX_LESSON_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let current = store::current_version(&state.db, lesson.id, locale.tag())
        .await?
        .map(|v| v.version);
    let vocab = super::vocabulary(&state.db).await?;
    let page = |ctx: Ctx,
                error: Option<String>,
                preview_title: Option<String>,
                parts: Vec<Part>| EditorPage {
        ctx,
        course: course.clone(),
        lesson: lesson.clone(),
        lang: locale.tag(),
        source: source.clone(),
        current,
        error,
        preview_title,
        parts,
    };
    let (front, rendered) = match render::render_lesson(&source, &vocab) {
        Ok(ok) => ok,
        Err(e) => {
            let message = ctx.tf("authoring.invalid", "error", &e);
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(ctx, Some(message), None, Vec::new()),
            );
        }
    };
    if form.get("action") == "save" {
        let tags = front.tags.join(",");
        let version = store::save_version(
            &state.db,
            lesson.id,
            locale.tag(),
            &source,
            (&front.title, front.minutes as i64, &tags),
            "editor",
            user.id,
        )
        .await?;
        crate::accounts::store::audit(
            &state.db,
            Some(user.id),
            "lesson.saved",
            &format!(
                "{}/{} {} v{version}",
                course.slug,
                lesson.slug,
                locale.tag()
            ),
        )
        .await?;
        return Ok(see_other_with_flash(
            &state,
            &format!("/instruct/lessons/{}?lang={}", lesson.id, locale.tag()),
            "authoring.saved",
        ));
    }
    let parts = parts_for(&state, locale, rendered, &HashMap::new(), |_| String::new()).await?;
    render(&page(ctx, None, Some(front.title), parts))
}

#[derive(Template)]
#[template(path = "courses/authoring/history.html")]
struct HistoryPage {
    ctx: Ctx,
    course: Course,
    lesson: Lesson,
    lang: &'static str,
    versions: Vec<Version>,
}

pub async fn history(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Page {
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let locale = editing_locale(query.lang.as_deref(), ctx.locale)?;
    let versions = store::versions(&state.db, lesson.id, locale.tag()).await?;
    render(&HistoryPage {
        ctx,
        course,
        lesson,
        lang: locale.tag(),
        versions,
    })
}

#[derive(Template)]
#[template(path = "courses/authoring/version.html")]
struct VersionPage {
    ctx: Ctx,
    course: Course,
    lesson: Lesson,
    version: Version,
    is_current: bool,
    parts: Vec<Part>,
    error: Option<String>,
}

async fn version_of(state: &AppState, lesson: &Lesson, raw: &str) -> Result<Version, AppError> {
    store::version_by_id(&state.db, lesson.id, path_id(raw)?)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn view_version(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Page {
    let (id, vid) = path.into_inner();
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let version = version_of(&state, &lesson, &vid).await?;
    let current = store::current_version(&state.db, lesson.id, &version.locale).await?;
    let locale = Locale::parse(&version.locale).unwrap_or(ctx.locale);
    let vocab = super::vocabulary(&state.db).await?;
    let (parts, error) = match render::render_lesson(&version.source, &vocab) {
        Ok((_, rendered)) => (
            parts_for(&state, locale, rendered, &HashMap::new(), |_| String::new()).await?,
            None,
        ),
        // An old version may use a key the taxonomy no longer has; show its source with the reason.
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let is_current = current.is_some_and(|c| c.id == version.id);
    render(&VersionPage {
        ctx,
        course,
        lesson,
        version,
        is_current,
        parts,
        error,
    })
}

pub async fn restore_version(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Page {
    let (id, vid) = path.into_inner();
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let old = version_of(&state, &lesson, &vid).await?;
    let vocab = super::vocabulary(&state.db).await?;
    let front = load::check_lesson_text(&old.source, &vocab)
        .map_err(|_| AppError::Conflict("authoring.cannot_restore"))?;
    let tags = front.tags.join(",");
    let version = store::save_version(
        &state.db,
        lesson.id,
        &old.locale,
        &old.source,
        (&front.title, front.minutes as i64, &tags),
        "restore",
        user.id,
    )
    .await?;
    let subject = format!(
        "{}/{} {} v{} → v{version}",
        course.slug, lesson.slug, old.locale, old.version
    );
    crate::accounts::store::audit(&state.db, Some(user.id), "lesson.restored", &subject).await?;
    let _ = ctx;
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/lessons/{}?lang={}", lesson.id, old.locale),
        "authoring.restored",
    ))
}

pub async fn publish(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let (lesson, course) = lesson_or_404(&state, &id).await?;
    let published = match form.get("published") {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("error.form_malformed")),
    };
    store::set_published(&state.db, lesson.id, published).await?;
    let action = if published {
        "lesson.published"
    } else {
        "lesson.unpublished"
    };
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        action,
        &format!("{}/{}", course.slug, lesson.slug),
    )
    .await?;
    let key = if published {
        "authoring.published"
    } else {
        "authoring.unpublished"
    };
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/courses#lesson-{}", lesson.id),
        key,
    ))
}

fn direction(form: &FormFields) -> Result<bool, AppError> {
    match form.get("direction") {
        "up" => Ok(true),
        "down" => Ok(false),
        _ => Err(AppError::BadRequest("error.form_malformed")),
    }
}

pub async fn move_module(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let module_id = path_id(&id)?;
    let up = direction(&form)?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM course_modules WHERE id = $1")
        .bind(module_id)
        .fetch_optional(&state.db.pool)
        .await?;
    exists.ok_or(AppError::NotFound)?;
    store::move_module(&state.db, module_id, up).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/courses#module-{module_id}"),
        "authoring.moved",
    ))
}

pub async fn move_lesson(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let (lesson, _) = lesson_or_404(&state, &id).await?;
    let up = direction(&form)?;
    store::move_lesson(&state.db, lesson.id, up).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/courses#lesson-{}", lesson.id),
        "authoring.moved",
    ))
}

fn bilingual_title(form: &FormFields) -> Result<Bilingual, AppError> {
    let en = form.get("title_en").trim().to_string();
    let zh = form.get("title_zh").trim().to_string();
    let ok = |t: &str| !t.is_empty() && t.chars().count() <= 120;
    if !ok(&en) || !ok(&zh) {
        return Err(AppError::Unprocessable("authoring.titles_required"));
    }
    Ok(Bilingual { en, zh })
}

pub async fn new_module(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let course = store::course_by_id(&state.db, path_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let slug = form.get("slug").trim();
    if !load::is_valid_slug(slug) {
        return Err(AppError::Unprocessable("authoring.slug_invalid"));
    }
    let title = bilingual_title(&form)?;
    match store::create_module(&state.db, course.id, slug, &title).await {
        Ok(_) => {}
        Err(e) if crate::accounts::store::is_unique_violation(&e) => {
            return Err(AppError::Conflict("authoring.slug_taken"));
        }
        Err(e) => return Err(e.into()),
    }
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "module.created",
        &format!("{}/{slug}", course.slug),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/courses",
        "authoring.module_created",
    ))
}

pub async fn new_lesson(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let module_id = path_id(&id)?;
    let slug = form.get("slug").trim();
    if !load::is_valid_slug(slug) {
        return Err(AppError::Unprocessable("authoring.slug_invalid"));
    }
    let title = form.get("title").trim();
    if title.is_empty() || title.chars().count() > 120 {
        return Err(AppError::Unprocessable("authoring.titles_required"));
    }
    let exists = store::lessons(&state.db, None).await?;
    let course_of_module =
        sqlx::query_scalar::<_, i64>("SELECT course_id FROM course_modules WHERE id = $1")
            .bind(module_id)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    if exists
        .iter()
        .any(|l| l.course_id == course_of_module && l.slug == slug)
    {
        return Err(AppError::Conflict("authoring.slug_taken"));
    }
    let source = starter_text(title);
    let lesson_id = store::create_lesson(
        &state.db,
        module_id,
        slug,
        ctx.locale.tag(),
        &source,
        (title, 10, ""),
        user.id,
    )
    .await?;
    crate::accounts::store::audit(&state.db, Some(user.id), "lesson.created", slug).await?;
    Ok(see_other_with_flash(
        &state,
        &format!("/instruct/lessons/{lesson_id}?lang={}", ctx.locale.tag()),
        "authoring.lesson_created",
    ))
}
