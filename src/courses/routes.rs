//! Trainee pages: the catalogue, a course, a lesson; marking lessons complete and answering checks.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::render::{self, CheckBlock, MessageBlock, RenderedLesson, Segment, TocEntry};
use super::store::{self, Course, Lesson, Module};
use crate::accounts::Role;
use crate::app::AppState;
use crate::taxonomy::{self, LabelKind};
use crate::web::i18n::Locale;
use crate::web::page::{see_other, see_other_with_flash};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render};

type Page = Result<HttpResponse, AppError>;

/// Platform names as the platforms write them.
pub fn platform_name(key: &str) -> &str {
    match key {
        "amazon" => "Amazon",
        "ebay" => "eBay",
        "shopee" => "Shopee",
        "lazada" => "Lazada",
        "tiktok_shop" => "TikTok Shop",
        "mercado_libre" => "Mercado Libre",
        "aliexpress" => "AliExpress",
        other => other,
    }
}

/// A buyer language's own name.
pub fn language_name(tag: &str) -> &str {
    match tag {
        "en" => "English",
        "es" => "Español",
        "pt-BR" | "pt" => "Português (BR)",
        "de" => "Deutsch",
        "fr" => "Français",
        "ja" => "日本語",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "zh" | "zh-CN" => "中文",
        other => other,
    }
}

/// A message block ready to show: labels in the reader's language.
pub struct MessageView {
    pub block: MessageBlock,
    pub intent_label: String,
    pub emotion_label: String,
}

impl MessageView {
    pub fn platform(&self) -> &str {
        platform_name(&self.block.platform)
    }

    pub fn language(&self) -> &str {
        language_name(&self.block.lang)
    }
}

pub struct CheckView {
    pub block: CheckBlock,
    pub chosen: Option<usize>,
    pub action: String,
}

impl CheckView {
    pub fn answered(&self) -> bool {
        self.chosen.is_some()
    }

    pub fn answered_right(&self) -> bool {
        self.chosen == Some(self.block.correct_index())
    }

    pub fn is_chosen(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        self.chosen == Some(*i.borrow())
    }

    pub fn is_correct(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        self.block.correct_index() == *i.borrow()
    }

    /// The feedback on the right option, shown after a wrong answer.
    pub fn right_feedback(&self) -> String {
        self.block.options[self.block.correct_index()].feedback_html()
    }
}

pub enum Part {
    Html(String),
    Message(MessageView),
    Check(CheckView),
}

/// Turns rendered segments into parts for the template (labels, the reader's answers).
pub async fn parts_for(
    state: &AppState,
    locale: Locale,
    lesson: RenderedLesson,
    answers: &HashMap<String, i64>,
    check_action: impl Fn(&str) -> String,
) -> Result<Vec<Part>, AppError> {
    let intents = taxonomy::store::list(&state.db, LabelKind::Intent).await?;
    let emotions = taxonomy::store::list(&state.db, LabelKind::Emotion).await?;
    let label = |labels: &[taxonomy::Label], key: &str| {
        labels
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.name(locale).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    Ok(lesson
        .segments
        .into_iter()
        .map(|s| match s {
            Segment::Html(h) => Part::Html(h),
            Segment::Message(block) => Part::Message(MessageView {
                intent_label: label(&intents, &block.intent),
                emotion_label: label(&emotions, &block.emotion),
                block,
            }),
            Segment::Check(block) => Part::Check(CheckView {
                chosen: answers.get(&block.id).map(|c| *c as usize),
                action: check_action(&block.id),
                block,
            }),
        })
        .collect())
}

fn is_staff(user: &SessionUser) -> bool {
    user.roles.has(Role::Instructor) || user.roles.has(Role::Admin)
}

/// A course's place for one user: progress, lock, where to resume.
pub struct CourseCard {
    pub course: Course,
    pub total: usize,
    pub done: usize,
    pub locked_by: Vec<String>,
    pub resume: Option<(String, String)>,
}

impl CourseCard {
    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Builds the cards of every course for a user, in catalogue order.
async fn course_cards(
    state: &AppState,
    user: &SessionUser,
    locale: Locale,
) -> Result<Vec<CourseCard>, AppError> {
    let courses = store::list_courses(&state.db).await?;
    let all_lessons = store::lessons(&state.db, None).await?;
    let progress = store::progress_of(&state.db, user.id).await?;
    let complete = |course: &Course| {
        let published: Vec<&Lesson> = all_lessons
            .iter()
            .filter(|l| l.course_id == course.id && l.published)
            .collect();
        !published.is_empty()
            && published
                .iter()
                .all(|l| progress.get(&l.id).is_some_and(|p| p.1.is_some()))
    };
    let mut cards = Vec::new();
    for course in &courses {
        let lessons: Vec<&Lesson> = all_lessons
            .iter()
            .filter(|l| l.course_id == course.id && l.published)
            .collect();
        let done = lessons
            .iter()
            .filter(|l| progress.get(&l.id).is_some_and(|p| p.1.is_some()))
            .count();
        let locked_by = if is_staff(user) {
            Vec::new()
        } else {
            course
                .prerequisites
                .iter()
                .filter_map(|slug| courses.iter().find(|c| &c.slug == slug))
                .filter(|c| !complete(c))
                .map(|c| c.title(locale).to_string())
                .collect()
        };
        let resume = lessons
            .iter()
            .find(|l| progress.get(&l.id).is_none_or(|p| p.1.is_none()))
            .map(|l| {
                (
                    format!("/courses/{}/{}", course.slug, l.slug),
                    l.title(locale).to_string(),
                )
            });
        cards.push(CourseCard {
            course: course.clone(),
            total: lessons.len(),
            done,
            locked_by,
            resume,
        });
    }
    Ok(cards)
}

#[derive(Template)]
#[template(path = "courses/catalogue.html")]
struct CataloguePage {
    ctx: Ctx,
    cards: Vec<CourseCard>,
}

pub async fn catalogue(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let cards = course_cards(&state, &user, ctx.locale).await?;
    render(&CataloguePage { ctx, cards })
}

pub struct ModuleView {
    pub module: Module,
    pub lessons: Vec<(Lesson, bool)>,
}

#[derive(Template)]
#[template(path = "courses/course.html")]
struct CoursePage {
    ctx: Ctx,
    card: CourseCard,
    modules: Vec<ModuleView>,
}

pub async fn course_page(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Page {
    let cards = course_cards(&state, &user, ctx.locale).await?;
    let card = cards
        .into_iter()
        .find(|c| c.course.slug == *slug)
        .ok_or(AppError::NotFound)?;
    let progress = store::progress_of(&state.db, user.id).await?;
    let lessons = store::lessons(&state.db, Some(card.course.id)).await?;
    let modules = store::modules_of(&state.db, card.course.id)
        .await?
        .into_iter()
        .map(|module| ModuleView {
            lessons: lessons
                .iter()
                .filter(|l| l.module_id == module.id && (l.published || is_staff(&user)))
                .map(|l| {
                    (
                        l.clone(),
                        progress.get(&l.id).is_some_and(|p| p.1.is_some()),
                    )
                })
                .collect(),
            module,
        })
        .filter(|m| !m.lessons.is_empty())
        .collect();
    render(&CoursePage { ctx, card, modules })
}

#[derive(Template)]
#[template(path = "courses/lesson.html")]
struct LessonPage {
    ctx: Ctx,
    course: Course,
    module_title: String,
    lesson: Lesson,
    title: String,
    minutes: i64,
    toc: Vec<TocEntry>,
    parts: Vec<Part>,
    fallback_from: Option<String>,
    completed: bool,
    previous: Option<(String, String)>,
    next: Option<(String, String)>,
    base: String,
}

/// The lesson a user may open: exists, published (or the user is staff), course not locked.
async fn open_lesson(
    state: &AppState,
    user: &SessionUser,
    locale: Locale,
    course_slug: &str,
    lesson_slug: &str,
) -> Result<(CourseCard, Vec<Lesson>, Lesson), AppError> {
    let cards = course_cards(state, user, locale).await?;
    let card = cards
        .into_iter()
        .find(|c| c.course.slug == course_slug)
        .ok_or(AppError::NotFound)?;
    if !card.locked_by.is_empty() {
        return Err(AppError::Forbidden);
    }
    let lessons: Vec<Lesson> = store::lessons(&state.db, Some(card.course.id))
        .await?
        .into_iter()
        .filter(|l| l.published || is_staff(user))
        .collect();
    let lesson = lessons
        .iter()
        .find(|l| l.slug == lesson_slug)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((card, lessons, lesson))
}

pub async fn lesson_page(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Page {
    let (course_slug, lesson_slug) = path.into_inner();
    let (card, lessons, lesson) =
        open_lesson(&state, &user, ctx.locale, &course_slug, &lesson_slug).await?;
    let wanted = ctx.locale.tag();
    let other = if ctx.locale == Locale::En {
        Locale::ZhCn
    } else {
        Locale::En
    };
    let (version, fallback_from) =
        match store::current_version(&state.db, lesson.id, wanted).await? {
            Some(v) => (v, None),
            None => {
                let v = store::current_version(&state.db, lesson.id, other.tag())
                    .await?
                    .ok_or(AppError::NotFound)?;
                (v, Some(other.native_name().to_string()))
            }
        };
    let vocab = super::vocabulary(&state.db).await?;
    // Stored versions were validated when saved; if the taxonomy changed since, say so rather than fail.
    let (_, rendered) = render::render_lesson(&version.source, &vocab).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "stored lesson {} v{} no longer renders: {e}",
            lesson.id,
            version.version
        ))
    })?;
    store::record_visit(&state.db, user.id, lesson.id).await?;
    let answers = store::check_answers(&state.db, user.id, lesson.id).await?;
    let base = format!("/courses/{course_slug}/{lesson_slug}");
    let toc = rendered.toc.clone();
    let parts = parts_for(&state, ctx.locale, rendered, &answers, |id| {
        format!("{base}/checks/{id}")
    })
    .await?;
    let index = lessons.iter().position(|l| l.id == lesson.id).unwrap_or(0);
    let link = |l: &Lesson| {
        (
            format!("/courses/{course_slug}/{}", l.slug),
            l.title(ctx.locale).to_string(),
        )
    };
    let previous = index.checked_sub(1).and_then(|i| lessons.get(i)).map(link);
    let next = lessons.get(index + 1).map(link);
    let progress = store::progress_of(&state.db, user.id).await?;
    let module_title = store::modules_of(&state.db, card.course.id)
        .await?
        .into_iter()
        .find(|m| m.id == lesson.module_id)
        .map(|m| m.title(ctx.locale).to_string())
        .unwrap_or_default();
    render(&LessonPage {
        completed: progress.get(&lesson.id).is_some_and(|p| p.1.is_some()),
        title: version.title.clone(),
        minutes: version.minutes,
        course: card.course,
        module_title,
        lesson,
        toc,
        parts,
        fallback_from,
        previous,
        next,
        base,
        ctx,
    })
}

pub async fn mark_complete(
    user: SessionUser,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Page {
    let (course_slug, lesson_slug) = path.into_inner();
    let (_, lessons, lesson) =
        open_lesson(&state, &user, ctx.locale, &course_slug, &lesson_slug).await?;
    let done = form.get("done") != "0";
    store::mark_complete(&state.db, user.id, lesson.id, done).await?;
    if done && form.get("then") == "next" {
        let index = lessons.iter().position(|l| l.id == lesson.id).unwrap_or(0);
        if let Some(next) = lessons.get(index + 1) {
            return Ok(see_other(&format!("/courses/{course_slug}/{}", next.slug)));
        }
        return Ok(see_other_with_flash(
            &state,
            &format!("/courses/{course_slug}"),
            "courses.course_done",
        ));
    }
    Ok(see_other(&format!("/courses/{course_slug}/{lesson_slug}")))
}

pub async fn answer_check(
    user: SessionUser,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    form: FormFields,
) -> Page {
    let (course_slug, lesson_slug, check_id) = path.into_inner();
    let (_, _, lesson) = open_lesson(&state, &user, ctx.locale, &course_slug, &lesson_slug).await?;
    let version = match store::current_version(&state.db, lesson.id, ctx.locale.tag()).await? {
        Some(v) => v,
        None => store::current_version(
            &state.db,
            lesson.id,
            if ctx.locale == Locale::En {
                "zh-CN"
            } else {
                "en"
            },
        )
        .await?
        .ok_or(AppError::NotFound)?,
    };
    let vocab = super::vocabulary(&state.db).await?;
    let (_, rendered) = render::render_lesson(&version.source, &vocab)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let check = rendered
        .checks()
        .find(|c| c.id == check_id)
        .ok_or(AppError::NotFound)?;
    let choice: usize = form
        .get("choice")
        .parse()
        .map_err(|_| AppError::Unprocessable("courses.choose_an_answer"))?;
    if choice >= check.options.len() {
        return Err(AppError::BadRequest("error.form_malformed"));
    }
    store::record_check(
        &state.db,
        user.id,
        lesson.id,
        &check_id,
        choice as i64,
        choice == check.correct_index(),
    )
    .await?;
    Ok(see_other(&format!(
        "/courses/{course_slug}/{lesson_slug}#check-{check_id}"
    )))
}
