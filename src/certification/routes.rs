//! Certification pages: the trainee's checklist and certificates, public verification, the
//! supervisor's expiring certificates, the instructor's definitions and the admin's revoke.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::requirements::Check;
use super::store::{self, Certificate, Revoked};
use super::{Definition, DefinitionInput, Status, format_percent, review};
use crate::app::AppState;
use crate::db::now_ms;
use crate::taxonomy::{self, LabelKind};
use crate::web::i18n::{Locale, fill};
use crate::web::page::{format_date, see_other_with_flash};
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, FormFields, render, render_status};

type Page = Result<HttpResponse, AppError>;

use crate::web::path_id;

/// A certificate as a page shows it.
pub struct CertificateView {
    pub certificate: Certificate,
    pub status: Status,
    pub title: String,
    pub issued: String,
    pub expires: String,
    pub expires_soon: bool,
    pub revoked_on: String,
}

impl CertificateView {
    fn of(certificate: Certificate, locale: Locale, now: i64) -> CertificateView {
        CertificateView {
            status: certificate.status(now),
            title: certificate.title(locale).to_string(),
            issued: format_date(certificate.issued_at),
            expires: format_date(certificate.expires_at),
            expires_soon: certificate.expires_soon(now),
            revoked_on: certificate.revoked_at.map(format_date).unwrap_or_default(),
            certificate,
        }
    }

    pub fn is_valid(&self) -> bool {
        self.status == Status::Valid
    }

    pub fn is_revoked(&self) -> bool {
        self.status == Status::Revoked
    }

    pub fn reason(&self) -> &str {
        self.certificate.revoke_reason.as_deref().unwrap_or("")
    }

    fn list(certificates: Vec<Certificate>, locale: Locale, now: i64) -> Vec<CertificateView> {
        certificates
            .into_iter()
            .map(|c| CertificateView::of(c, locale, now))
            .collect()
    }
}

// ---- trainee ----

/// One line of a certification's checklist.
pub struct ChecklistLine {
    pub met: bool,
    pub text: String,
    /// Where to go to work on it: (href, label).
    pub link: Option<(String, String)>,
    /// Figures behind a miss (weak intents) or notes (intents too rare to judge).
    pub details: Vec<String>,
}

pub struct TraineeCertification {
    pub title: String,
    pub description_html: String,
    pub validity_months: u32,
    pub met: bool,
    pub lines: Vec<ChecklistLine>,
    pub missing: usize,
}

/// The checklist lines of an evaluation, in the user's language, with the figures.
pub fn checklist(
    checks: &[Check],
    locale: Locale,
    intents: &[taxonomy::Label],
) -> Vec<ChecklistLine> {
    let t = |key: &'static str| locale.t(key);
    let intent_name = |key: &str| {
        intents
            .iter()
            .find(|l| l.key == key)
            .map(|l| format!("{} ({key})", l.name(locale)))
            .unwrap_or_else(|| key.to_string())
    };
    checks
        .iter()
        .map(|check| {
            let mut details = Vec::new();
            let (text, link) = match check {
                Check::Course { course } => (
                    fill(
                        t("cert.req_course"),
                        &[(
                            "course",
                            super::pick(locale, &course.title_en, &course.title_zh),
                        )],
                    ),
                    (!course.slug.is_empty()).then(|| {
                        (
                            format!("/courses/{}", course.slug),
                            t("cert.open_course").to_string(),
                        )
                    }),
                ),
                Check::LabAccuracy {
                    graded,
                    window,
                    needed,
                    ..
                } => {
                    let key = if graded < window {
                        "cert.req_lab_short"
                    } else {
                        "cert.req_lab"
                    };
                    let text = fill(
                        t(key),
                        &[
                            ("percent", &format_percent(check.lab_percent())),
                            ("graded", &graded.to_string()),
                            ("window", &window.to_string()),
                            ("needed", &format_percent(*needed)),
                        ],
                    );
                    (
                        text,
                        Some(("/lab".to_string(), t("cert.open_lab").to_string())),
                    )
                }
                Check::LabIntents {
                    needed,
                    min_items,
                    intents: figures,
                    ..
                } => {
                    for weak in check.weak_intents() {
                        details.push(fill(
                            t("cert.intent_short"),
                            &[
                                ("intent", &intent_name(&weak.intent)),
                                ("percent", &format_percent(weak.percent())),
                                ("correct", &weak.correct.to_string()),
                                ("total", &weak.total.to_string()),
                                ("needed", &format_percent(*needed)),
                            ],
                        ));
                    }
                    let rare: Vec<String> = figures
                        .iter()
                        .filter(|f| !f.judged)
                        .map(|f| f.intent.clone())
                        .collect();
                    if !rare.is_empty() {
                        details.push(fill(
                            t("cert.intents_not_judged"),
                            &[
                                ("min", &min_items.to_string()),
                                ("intents", &rare.join(", ")),
                            ],
                        ));
                    }
                    let text = fill(
                        t("cert.req_intents"),
                        &[
                            ("needed", &format_percent(*needed)),
                            ("min", &min_items.to_string()),
                        ],
                    );
                    (
                        text,
                        Some(("/lab".to_string(), t("cert.open_lab").to_string())),
                    )
                }
                Check::Exam {
                    quiz_id,
                    title,
                    grade,
                    needed,
                } => {
                    let grade = match grade {
                        Some(g) => format!("{}%", format_percent(*g)),
                        None => t("cert.exam_not_taken").to_string(),
                    };
                    let text = fill(
                        t("cert.req_exam"),
                        &[
                            ("quiz", title),
                            ("grade", &grade),
                            ("needed", &format_percent(*needed)),
                        ],
                    );
                    (
                        text,
                        Some((
                            format!("/quizzes/{quiz_id}"),
                            t("cert.open_exam").to_string(),
                        )),
                    )
                }
                Check::ExamMissing => (t("cert.req_exam_missing").to_string(), None),
            };
            ChecklistLine {
                met: check.met(),
                text,
                link,
                details,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "certification/trainee.html")]
struct TraineePage {
    ctx: Ctx,
    certifications: Vec<TraineeCertification>,
    certificates: Vec<CertificateView>,
    issued_now: bool,
}

impl TraineePage {
    fn expiring(&self) -> Vec<&CertificateView> {
        self.certificates
            .iter()
            .filter(|c| c.expires_soon)
            .collect()
    }
}

/// The trainee's certifications: checklists with their figures, and certificates. Opening the page
/// issues any certificate just earned.
pub async fn trainee_page(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let now = now_ms();
    let standings = review(&state.db, user.id, now).await?;
    let intents = taxonomy::store::list(&state.db, LabelKind::Intent).await?;
    let issued_now = standings.iter().any(|s| s.issued.is_some());
    let certifications = standings
        .iter()
        .map(|s| {
            let lines = checklist(&s.evaluation.checks, ctx.locale, &intents);
            TraineeCertification {
                title: s.definition.title(ctx.locale).to_string(),
                description_html: s.definition.description_html(ctx.locale),
                validity_months: s.definition.validity_months,
                met: s.evaluation.all_met(),
                missing: lines.iter().filter(|l| !l.met).count(),
                lines,
            }
        })
        .collect();
    let certificates = CertificateView::list(
        store::certificates_of(&state.db, user.id).await?,
        ctx.locale,
        now,
    );
    render(&TraineePage {
        ctx,
        certifications,
        certificates,
        issued_now,
    })
}

// ---- public verification ----

#[derive(Template)]
#[template(path = "certification/verify.html")]
struct VerifyPage {
    ctx: Ctx,
    view: Option<CertificateView>,
    own: bool,
}

pub async fn verify(ctx: Ctx, state: web::Data<AppState>, code: web::Path<String>) -> Page {
    // Codes are 43 characters; a longer string names nothing and costs no query.
    let found = if code.len() <= 100 {
        store::by_code(&state.db, &code).await?
    } else {
        None
    };
    let Some(certificate) = found else {
        return render_status(
            StatusCode::NOT_FOUND,
            &VerifyPage {
                ctx,
                view: None,
                own: false,
            },
        );
    };
    let own = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.id == certificate.user_id);
    let view = CertificateView::of(certificate, ctx.locale, now_ms());
    render(&VerifyPage {
        ctx,
        view: Some(view),
        own,
    })
}

// ---- supervisor ----

#[derive(Template)]
#[template(path = "certification/team.html")]
struct TeamPage {
    ctx: Ctx,
    expiring: Vec<CertificateView>,
    certificates: Vec<CertificateView>,
}

pub async fn team_page(ctx: Ctx, user: SessionUser, state: web::Data<AppState>) -> Page {
    let now = now_ms();
    let all = CertificateView::list(
        store::team_certificates(&state.db, user.id).await?,
        ctx.locale,
        now,
    );
    let (mut expiring, certificates): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|c| c.expires_soon);
    expiring.sort_by_key(|c| c.certificate.expires_at);
    render(&TeamPage {
        ctx,
        expiring,
        certificates,
    })
}

// ---- instructor ----

/// A definition as the instructor's list shows it: its requirements in one line each.
pub struct DefinitionSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub requirements: Vec<String>,
    pub validity_months: u32,
}

async fn summarise(
    state: &AppState,
    d: &Definition,
    locale: Locale,
) -> Result<DefinitionSummary, AppError> {
    let t = |key: &'static str| locale.t(key);
    let mut requirements = Vec::new();
    if !d.courses.is_empty() {
        let courses = crate::courses::store::list_courses(&state.db).await?;
        let names: Vec<&str> = d
            .courses
            .iter()
            .filter_map(|id| courses.iter().find(|c| c.id == *id))
            .map(|c| c.title(locale))
            .collect();
        requirements.push(fill(
            t("cert.sum_courses"),
            &[("courses", &names.join(", "))],
        ));
    }
    if let Some(lab) = &d.lab {
        requirements.push(fill(
            t("cert.sum_lab"),
            &[
                ("accuracy", &format_percent(lab.accuracy.value())),
                ("window", &lab.window.to_string()),
                ("intent", &format_percent(lab.intent_percent.value())),
                ("min", &lab.intent_min_items.to_string()),
            ],
        ));
    }
    if let Some(exam) = &d.exam {
        let quiz = crate::quizzes::quiz::get(&state.db, exam.quiz_id).await?;
        let needed = exam
            .pass_percent
            .map(|p| p.value())
            .or(quiz.as_ref().map(|q| q.settings.pass_percent))
            .unwrap_or(0.0);
        requirements.push(fill(
            t("cert.sum_exam"),
            &[
                (
                    "quiz",
                    quiz.as_ref().map(|q| q.title_in(locale)).unwrap_or("?"),
                ),
                ("needed", &format_percent(needed)),
            ],
        ));
    }
    Ok(DefinitionSummary {
        id: d.id,
        slug: d.slug.clone(),
        title: d.title(locale).to_string(),
        requirements,
        validity_months: d.validity_months,
    })
}

#[derive(Template)]
#[template(path = "certification/instruct_list.html")]
struct InstructListPage {
    ctx: Ctx,
    definitions: Vec<DefinitionSummary>,
    certificates: Vec<CertificateView>,
}

pub async fn instruct_list(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let mut definitions = Vec::new();
    for d in store::list(&state.db).await? {
        definitions.push(summarise(&state, &d, ctx.locale).await?);
    }
    let certificates = CertificateView::list(
        store::all_certificates(&state.db).await?,
        ctx.locale,
        now_ms(),
    );
    render(&InstructListPage {
        ctx,
        definitions,
        certificates,
    })
}

pub struct Choice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "certification/form.html")]
struct FormPage {
    ctx: Ctx,
    /// None: a new certification.
    id: Option<i64>,
    input: DefinitionInput,
    courses: Vec<Choice>,
    quizzes: Vec<Choice>,
    error: Option<String>,
}

async fn form_page(
    ctx: Ctx,
    state: &AppState,
    status: StatusCode,
    id: Option<i64>,
    input: DefinitionInput,
    error: Option<&str>,
) -> Page {
    let courses = crate::courses::store::list_courses(&state.db)
        .await?
        .into_iter()
        .map(|c| Choice {
            id: c.id,
            label: c.title(ctx.locale).to_string(),
        })
        .collect();
    let quizzes = crate::quizzes::quiz::list(&state.db)
        .await?
        .into_iter()
        .map(|q| Choice {
            id: q.id,
            label: format!(
                "{} ({}%)",
                q.title_in(ctx.locale),
                format_percent(q.settings.pass_percent)
            ),
        })
        .collect();
    let error = error.map(|key| ctx.t(key).to_string());
    render_status(
        status,
        &FormPage {
            ctx,
            id,
            input,
            courses,
            quizzes,
            error,
        },
    )
}

pub async fn new_form(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let input = DefinitionInput {
        validity_months: "12".into(),
        lab_intent_min_items: super::DEFAULT_INTENT_MIN_ITEMS.to_string(),
        ..Default::default()
    };
    form_page(ctx, &state, StatusCode::OK, None, input, None).await
}

pub async fn edit_form(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> Page {
    let id = path_id(&id)?;
    let definition = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let input = DefinitionInput::of(&definition);
    form_page(ctx, &state, StatusCode::OK, Some(id), input, None).await
}

fn input_from(form: &FormFields) -> DefinitionInput {
    DefinitionInput {
        slug: form.get("slug").to_string(),
        title_en: form.get("title_en").to_string(),
        title_zh: form.get("title_zh").to_string(),
        description_en: form.get("description_en").to_string(),
        description_zh: form.get("description_zh").to_string(),
        courses: form.all("course").into_iter().map(str::to_string).collect(),
        lab_window: form.get("lab_window").to_string(),
        lab_accuracy: form.get("lab_accuracy").to_string(),
        lab_intent_percent: form.get("lab_intent_percent").to_string(),
        lab_intent_min_items: form.get("lab_intent_min_items").to_string(),
        exam_quiz: form.get("exam_quiz").to_string(),
        exam_pass_percent: form.get("exam_pass_percent").to_string(),
        validity_months: form.get("validity_months").to_string(),
    }
}

/// The definition the form describes, with its courses and quiz checked against the database.
async fn checked_definition(
    state: &AppState,
    input: &DefinitionInput,
) -> Result<Result<Definition, &'static str>, AppError> {
    let definition = match input.parse() {
        Ok(d) => d,
        Err(key) => return Ok(Err(key)),
    };
    let courses = crate::courses::store::list_courses(&state.db).await?;
    if !definition
        .courses
        .iter()
        .all(|id| courses.iter().any(|c| c.id == *id))
    {
        return Ok(Err("cert.error_course"));
    }
    if let Some(exam) = &definition.exam
        && crate::quizzes::quiz::get(&state.db, exam.quiz_id)
            .await?
            .is_none()
    {
        return Ok(Err("cert.error_quiz"));
    }
    Ok(Ok(definition))
}

pub async fn create(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    form: FormFields,
) -> Page {
    let input = input_from(&form);
    let definition = match checked_definition(&state, &input).await? {
        Ok(d) => d,
        Err(key) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(ctx, &state, status, None, input, Some(key)).await;
        }
    };
    let Some(id) = store::create(&state.db, &definition, Some(user.id)).await? else {
        let status = StatusCode::CONFLICT;
        return form_page(
            ctx,
            &state,
            status,
            None,
            input,
            Some("cert.error_slug_taken"),
        )
        .await;
    };
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "certification.created",
        &format!("{id} {}", definition.slug),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/certifications",
        "cert.saved",
    ))
}

pub async fn update(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let id = path_id(&id)?;
    let existing = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut input = input_from(&form);
    // The slug names the certification in content files; it does not change.
    input.slug = existing.slug.clone();
    let definition = match checked_definition(&state, &input).await? {
        Ok(d) => d,
        Err(key) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(ctx, &state, status, Some(id), input, Some(key)).await;
        }
    };
    if !store::update(&state.db, id, &definition).await? {
        return Err(AppError::NotFound);
    }
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "certification.updated",
        &format!("{id} {}", definition.slug),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/instruct/certifications",
        "cert.saved",
    ))
}

// ---- admin ----

#[derive(Template)]
#[template(path = "certification/admin.html")]
struct AdminPage {
    ctx: Ctx,
    certificates: Vec<CertificateView>,
}

pub async fn admin_list(ctx: Ctx, state: web::Data<AppState>) -> Page {
    let certificates = CertificateView::list(
        store::all_certificates(&state.db).await?,
        ctx.locale,
        now_ms(),
    );
    render(&AdminPage { ctx, certificates })
}

/// The longest revoke reason kept, in characters.
const MAX_REASON_CHARS: usize = 500;

pub async fn revoke(
    user: SessionUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: FormFields,
) -> Page {
    let id = path_id(&id)?;
    let reason = form.get("reason").trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::Unprocessable("cert.error_reason"));
    }
    match store::revoke(&state.db, id, user.id, reason, now_ms()).await? {
        Revoked::Done => {}
        Revoked::AlreadyRevoked => return Err(AppError::Conflict("cert.error_already_revoked")),
        Revoked::NoSuchCertificate => return Err(AppError::NotFound),
    }
    crate::accounts::store::audit(
        &state.db,
        Some(user.id),
        "certificate.revoked",
        &format!("{id}: {reason}"),
    )
    .await?;
    Ok(see_other_with_flash(
        &state,
        "/admin/certificates",
        "cert.revoked",
    ))
}
