//! Trainee pages of quizzes: the list, a quiz's page with the trainee's attempts, taking an
//! attempt (autosaved answers, immediate-feedback checks, the timer, submission) and the review.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::attempts::{self, Attempt, StartRefused};
use super::quiz::{self, Quiz};
use super::view::{self, QuestionView};
use crate::app::AppState;
use crate::db::now_ms;
use crate::web::page::{see_other, see_other_with_flash};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render};

type Page = Result<HttpResponse, AppError>;

/// A quiz as the list shows it to one trainee.
pub struct QuizRow {
    pub quiz: Quiz,
    pub questions: usize,
    pub attempts: usize,
    pub grade: Option<f64>,
    pub in_progress: bool,
    pub open: bool,
}

impl QuizRow {
    pub fn passed(&self) -> bool {
        self.grade
            .is_some_and(|g| g + 1e-9 >= self.quiz.settings.pass_percent)
    }
}

pub fn percent(p: &f64) -> String {
    format!("{}%", view::fmt_mark(*p))
}

#[derive(Template)]
#[template(path = "quizzes/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<QuizRow>,
}

/// Published quizzes only; a draft or a tampered id is "not found" to trainees.
async fn published(state: &AppState, id: i64) -> Result<Quiz, AppError> {
    quiz::get(&state.db, id)
        .await?
        .filter(|q| q.settings.published)
        .ok_or(AppError::NotFound)
}

pub async fn list(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let now = now_ms();
    let mut rows = Vec::new();
    for quiz in quiz::list(&state.db).await? {
        if !quiz.settings.published {
            continue;
        }
        let mine = attempts::of_user(&state.db, quiz.id, user.id).await?;
        let grade = attempts::grade_of(&quiz, &mine);
        rows.push(QuizRow {
            questions: attempts::question_count(&state.db, &quiz).await?,
            attempts: mine.len(),
            in_progress: mine.iter().any(|a| a.accepts_answers(now)),
            open: quiz.settings.is_open(now),
            grade,
            quiz,
        });
    }
    render(&ListPage { ctx, rows })
}

#[derive(Template)]
#[template(path = "quizzes/quiz.html")]
struct QuizPage {
    ctx: Ctx,
    quiz: Quiz,
    questions: usize,
    attempts: Vec<Attempt>,
    grade: Option<f64>,
    can_start: bool,
    in_progress: Option<i64>,
    open: bool,
}

impl QuizPage {
    fn review_allowed(&self, a: &Attempt) -> bool {
        self.quiz
            .settings
            .review
            .allows(a.finished, now_ms(), self.quiz.settings.close_at)
    }

    fn attempt_grade(&self, a: &Attempt) -> String {
        match (a.percent(), a.needs_grading, self.review_allowed(a)) {
            (_, true, _) => self.ctx.t("quiz.needs_grading").to_string(),
            (Some(p), _, true) => percent(&p),
            _ => "–".to_string(),
        }
    }
}

pub async fn quiz_page(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Page {
    let quiz = published(&state, path.into_inner()).await?;
    let now = now_ms();
    // Opening the page submits an attempt whose time ran out while the trainee was away.
    attempts::finish_overdue_of(&state.db, quiz.id, user.id, now).await?;
    let mine = attempts::of_user(&state.db, quiz.id, user.id).await?;
    let in_progress = mine.iter().find(|a| !a.finished).map(|a| a.id);
    let open = quiz.settings.is_open(now);
    let can_start = in_progress.is_some()
        || (open
            && quiz
                .settings
                .max_attempts
                .is_none_or(|m| mine.len() < m as usize));
    let grade = attempts::grade_of(&quiz, &mine);
    render(&QuizPage {
        ctx,
        questions: attempts::question_count(&state.db, &quiz).await?,
        quiz,
        attempts: mine,
        grade,
        can_start,
        in_progress,
        open,
    })
}

/// `POST /quizzes/{id}/start`: starts an attempt or resumes the open one.
pub async fn start(user: SessionUser, state: web::Data<AppState>, path: web::Path<i64>) -> Page {
    let quiz = published(&state, path.into_inner()).await?;
    match attempts::start(&state.db, &quiz, user.id, now_ms()).await? {
        Ok(id) => Ok(see_other(&format!("/attempts/{id}"))),
        Err(StartRefused::Closed) => Err(AppError::Conflict("quiz.closed")),
        Err(StartRefused::NoAttemptsLeft) => Err(AppError::Conflict("quiz.no_attempts_left")),
        Err(StartRefused::NotEnoughQuestions(e)) => {
            tracing::warn!(quiz = quiz.id, error = %e, "quiz cannot draw its questions");
            Err(AppError::Conflict("quiz.not_enough_questions"))
        }
    }
}

/// The trainee's own attempt (submitted first if overdue); anyone else's id is "not found" (no
/// hint that it exists).
async fn mine(state: &AppState, user: &SessionUser, id: i64) -> Result<Attempt, AppError> {
    attempts::get_current(&state.db, id, now_ms())
        .await?
        .filter(|a| a.user_id == user.id)
        .ok_or(AppError::NotFound)
}

/// `mine` with its quiz.
async fn own_attempt(
    state: &AppState,
    user: &SessionUser,
    id: i64,
) -> Result<(Attempt, Quiz), AppError> {
    let attempt = mine(state, user, id).await?;
    let quiz = quiz::get(&state.db, attempt.quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((attempt, quiz))
}

/// The taxonomy's intents and emotions in the reader's language, for classify questions (from the
/// lab's per-process cache, so a quiz page costs no extra query when the cache is fresh).
async fn label_choices(state: &AppState, ctx: &Ctx) -> Result<view::LabelChoices, AppError> {
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    Ok(view::LabelChoices::from_taxonomy(&taxonomy, &ctx.locale))
}

#[derive(Template)]
#[template(path = "quizzes/attempt.html")]
struct AttemptPage {
    ctx: Ctx,
    quiz: Quiz,
    attempt: Attempt,
    questions: Vec<QuestionView>,
    immediate: bool,
    answered: usize,
    total: usize,
}

pub async fn attempt_page(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Page {
    let (attempt, quiz) = own_attempt(&state, &user, path.into_inner()).await?;
    if attempt.finished {
        return Ok(see_other(&format!("/attempts/{}/review", attempt.id)));
    }
    let slots = attempts::slots(&state.db, attempt.id).await?;
    let immediate = quiz.settings.review == super::settings::ReviewTiming::Immediately;
    let labels = label_choices(&state, &ctx).await?;
    let questions = view::questions(
        &slots,
        false,
        immediate,
        quiz.settings.shuffle_choices,
        attempt.seed,
        &labels,
    );
    let total = questions.iter().filter(|q| !q.is_description).count();
    let answered = slots.iter().filter(|s| s.response.is_some()).count();
    render(&AttemptPage {
        ctx,
        quiz,
        attempt,
        questions,
        immediate,
        answered,
        total,
    })
}

/// Saves every open slot of the submitted form. Returns how many could not be saved.
async fn save_form(
    state: &AppState,
    attempt: &Attempt,
    form: &FormFields,
) -> Result<usize, AppError> {
    let now = now_ms();
    let mut refused = 0;
    for slot in attempts::slots(&state.db, attempt.id).await? {
        if slot.checked || matches!(slot.question.kind, super::gift::QuestionKind::Description) {
            continue;
        }
        let response = attempts::response_from_form(&slot.question, form, slot.slot);
        if response == slot.response {
            continue;
        }
        if !attempts::save_response(&state.db, attempt.id, slot.slot, response.as_ref(), now)
            .await?
        {
            refused += 1;
        }
    }
    Ok(refused)
}

/// `POST /attempts/{id}`: the whole form, without JavaScript. `action` is `save` (and stay),
/// `finish` (submit all), or `check-<slot>` (immediate feedback on one question).
pub async fn save(
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: FormFields,
) -> Page {
    let (attempt, quiz) = own_attempt(&state, &user, path.into_inner()).await?;
    let review = format!("/attempts/{}/review", attempt.id);
    if attempt.finished {
        // A second tab or a double click: the first submission stands.
        return Ok(see_other_with_flash(
            &state,
            &review,
            "quiz.already_submitted",
        ));
    }
    let refused = save_form(&state, &attempt, &form).await?;
    let action = form.get("action");
    if action == "finish" {
        if attempts::finish(&state.db, attempt.id, now_ms()).await? {
            // A passed exam may complete a certification; a failure here must not lose the
            // submission, which is already stored (the certifications page retries).
            if let Err(e) = crate::certification::issue_if_met(&state.db, user.id).await {
                tracing::warn!(error = %e, "checking certifications after a quiz failed");
            }
        }
        return Ok(see_other(&review));
    }
    if let Some(slot) = action
        .strip_prefix("check-")
        .and_then(|s| s.parse::<i64>().ok())
        && quiz.settings.review == super::settings::ReviewTiming::Immediately
    {
        let s = attempts::slot(&state.db, attempt.id, slot)
            .await?
            .ok_or(AppError::BadRequest("error.form_malformed"))?;
        attempts::check(&state.db, attempt.id, &s, now_ms()).await?;
        return Ok(see_other(&format!("/attempts/{}#q{slot}", attempt.id)));
    }
    let here = format!("/attempts/{}", attempt.id);
    if refused > 0 {
        return Ok(see_other_with_flash(&state, &here, "quiz.not_saved"));
    }
    Ok(see_other_with_flash(&state, &here, "quiz.saved"))
}

/// `POST /attempts/{id}/slots/{slot}`: autosave of one answer as it is given (JavaScript). 204
/// when stored; 409 when the attempt no longer takes answers, so the page can say so.
pub async fn autosave(
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: FormFields,
) -> Page {
    let (attempt_id, slot_no) = path.into_inner();
    // The hot path of a quiz (a save per answer): the attempt and the one slot, nothing more.
    let attempt = mine(&state, &user, attempt_id).await?;
    if attempt.finished {
        return Err(AppError::Conflict("quiz.already_submitted"));
    }
    let slot = attempts::slot(&state.db, attempt.id, slot_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let response = attempts::response_from_form(&slot.question, &form, slot.slot);
    if attempts::save_response(
        &state.db,
        attempt.id,
        slot.slot,
        response.as_ref(),
        now_ms(),
    )
    .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::Conflict("quiz.not_saved"))
    }
}

#[derive(Template)]
#[template(path = "quizzes/review.html")]
struct ReviewPage {
    ctx: Ctx,
    quiz: Quiz,
    attempt: Attempt,
    questions: Vec<QuestionView>,
    reveal: bool,
    trainee: String,
}

impl ReviewPage {
    fn duration(&self) -> String {
        let ms =
            self.attempt.submitted_at.unwrap_or(self.attempt.started_at) - self.attempt.started_at;
        let secs = ms.max(0) / 1000;
        format!("{}:{:02}", secs / 60, secs % 60)
    }

    fn grade_text(&self) -> String {
        match self.attempt.percent() {
            Some(p) => percent(&p),
            None => "–".into(),
        }
    }

    fn passed(&self) -> bool {
        self.attempt
            .percent()
            .is_some_and(|p| p + 1e-9 >= self.quiz.settings.pass_percent)
    }

    fn marks_text(&self) -> String {
        format!(
            "{} / {}",
            view::fmt_mark(self.attempt.marks.unwrap_or(0.0)),
            view::fmt_mark(self.attempt.max_marks)
        )
    }
}

/// The review of a submitted attempt: to its trainee as the quiz's review setting allows; to
/// instructors always in full (they grade and analyse).
pub async fn review(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Page {
    let id = path.into_inner();
    let instructor = user.roles.has(crate::accounts::Role::Instructor);
    let attempt = attempts::get_current(&state.db, id, now_ms())
        .await?
        .filter(|a| a.user_id == user.id || instructor)
        .ok_or(AppError::NotFound)?;
    if !attempt.finished {
        return Ok(see_other(&format!("/attempts/{id}")));
    }
    let quiz = quiz::get(&state.db, attempt.quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reveal = instructor
        || quiz
            .settings
            .review
            .allows(true, now_ms(), quiz.settings.close_at);
    let slots = attempts::slots(&state.db, attempt.id).await?;
    let labels = label_choices(&state, &ctx).await?;
    let questions = view::questions(
        &slots,
        true,
        reveal,
        quiz.settings.shuffle_choices,
        attempt.seed,
        &labels,
    );
    let trainee = crate::accounts::store::user_by_id(&state.db, attempt.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    render(&ReviewPage {
        ctx,
        quiz,
        attempt,
        questions,
        reveal,
        trainee,
    })
}
