//! Instructor pages of the question bank: browse by category or tag, preview a question with its
//! answers and feedback, write or edit one in the browser (a change is a new version), import a
//! GIFT file (whole or not at all), export a category as GIFT.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::editor::{self, EditorForm};
use super::gift::{self, QuestionKind};
use super::store::{self, BankQuestion};
use super::text_html;
use super::view::LabelChoices;
use crate::app::AppState;
use crate::web::FormFields;
use crate::web::page::see_other_with_flash;
use crate::web::session::SessionUser;
use crate::web::{AppError, Ctx, render, render_status};

type Page = Result<HttpResponse, AppError>;

/// GIFT files are text; a bank of a few thousand questions is well under this.
const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

#[derive(Deserialize)]
pub struct CategoryQuery {
    category: Option<String>,
    tag: Option<String>,
}

#[derive(Template)]
#[template(path = "quizzes/bank.html")]
struct BankPage {
    ctx: Ctx,
    category: String,
    tag: String,
    tags: Vec<(String, usize)>,
    categories: Vec<(String, i64)>,
    questions: Vec<BankQuestion>,
    errors: Vec<String>,
}

impl BankPage {
    /// Indentation level of a category in the tree (the stylesheet knows levels 0–5).
    fn depth(&self, path: &str) -> usize {
        path.matches('/').count().min(5)
    }

    fn leaf<'a>(&self, path: &'a str) -> &'a str {
        path.rsplit('/').next().unwrap_or(path)
    }
}

async fn bank_page(
    ctx: Ctx,
    state: &AppState,
    category: String,
    tag: String,
    errors: Vec<String>,
) -> Page {
    let mut questions = store::list(&state.db, &category).await?;
    let tags = tag_counts(&questions);
    if !tag.is_empty() {
        questions.retain(|q| q.body.tags.contains(&tag));
    }
    let categories = category_tree(&store::categories(&state.db).await?);
    let page = BankPage {
        ctx,
        category,
        tag,
        tags,
        categories,
        questions,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

pub async fn page(ctx: Ctx, state: web::Data<AppState>, query: web::Query<CategoryQuery>) -> Page {
    let category = query.category.clone().unwrap_or_default();
    let tag = query.tag.clone().unwrap_or_default();
    bank_page(ctx, &state, category, tag, Vec::new()).await
}

/// Every tag of `questions` with how many carry it, by tag.
fn tag_counts(questions: &[BankQuestion]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for tag in questions.iter().flat_map(|q| &q.body.tags) {
        *counts.entry(tag).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect()
}

/// Every category and each of its ancestors, in path order, with the number of questions at or
/// below it (Moodle shows the tree, not only the paths that hold questions).
fn category_tree(paths: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut tree: std::collections::BTreeMap<String, i64> = Default::default();
    for (path, n) in paths {
        let parts: Vec<&str> = path.split('/').collect();
        for end in 1..=parts.len() {
            *tree.entry(parts[..end].join("/")).or_default() += n;
        }
    }
    tree.into_iter().collect()
}

/// One answer as the preview shows it.
pub struct AnswerView {
    pub html: String,
    pub credit: String,
    pub correct: bool,
    pub feedback: String,
}

#[derive(Template)]
#[template(path = "quizzes/question.html")]
struct QuestionPage {
    ctx: Ctx,
    question: BankQuestion,
    text: String,
    general_feedback: String,
    answers: Vec<AnswerView>,
    pairs: Vec<(String, String)>,
    versions: Vec<(i64, i64)>,
    classify: Option<gift::ClassifyTask>,
    labels: LabelChoices,
}

/// Moodle's credit as a percentage: 100%, 50%, -33.33333%.
fn credit(fraction: f64) -> String {
    let s = format!("{:.5}", fraction * 100.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

fn answers_of(q: &gift::Question) -> (Vec<AnswerView>, Vec<(String, String)>) {
    let f = q.format;
    let view = |text: &str, fraction: f64, feedback: &str| AnswerView {
        html: text_html(text, f),
        credit: credit(fraction),
        correct: fraction > 0.0,
        feedback: text_html(feedback, f),
    };
    match &q.kind {
        QuestionKind::Multichoice { answers, .. } | QuestionKind::Shortanswer { answers } => (
            answers
                .iter()
                .map(|a| view(&a.text, a.fraction, &a.feedback))
                .collect(),
            Vec::new(),
        ),
        QuestionKind::Numerical { answers } => (
            answers
                .iter()
                .map(|a| {
                    let text = if a.tolerance > 0.0 {
                        format!("{} ± {}", a.text, a.tolerance)
                    } else {
                        a.text.clone()
                    };
                    view(&text, a.fraction, &a.feedback)
                })
                .collect(),
            Vec::new(),
        ),
        QuestionKind::Truefalse {
            correct,
            feedback_true,
            feedback_false,
        } => (
            vec![
                view("True", if *correct { 1.0 } else { 0.0 }, feedback_true),
                view("False", if *correct { 0.0 } else { 1.0 }, feedback_false),
            ],
            Vec::new(),
        ),
        QuestionKind::Match { pairs } => (
            Vec::new(),
            pairs
                .iter()
                .map(|p| (text_html(&p.question, f), text_html(&p.answer, f)))
                .collect(),
        ),
        QuestionKind::Essay | QuestionKind::Description | QuestionKind::Classify(_) => {
            (Vec::new(), Vec::new())
        }
    }
}

pub async fn question(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> Page {
    let id = crate::web::path_id(&id)?;
    let question = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let versions = store::versions(&state.db, id).await?;
    let (answers, pairs) = answers_of(&question.body);
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    render(&QuestionPage {
        text: text_html(&question.body.text, question.body.format),
        general_feedback: text_html(&question.body.general_feedback, question.body.format),
        answers,
        pairs,
        versions,
        classify: match &question.body.kind {
            QuestionKind::Classify(task) => Some((**task).clone()),
            _ => None,
        },
        labels: LabelChoices::from_taxonomy(&taxonomy, &ctx.locale),
        ctx,
        question,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(rename = "type")]
    qtype: Option<String>,
    category: Option<String>,
}

#[derive(Template)]
#[template(path = "quizzes/editor.html")]
struct EditorPage {
    ctx: Ctx,
    /// None for a new question.
    id: Option<i64>,
    version: Option<i64>,
    form: EditorForm,
    error: Option<&'static str>,
    categories: Vec<String>,
    labels: LabelChoices,
    types: [&'static str; 8],
}

impl EditorPage {
    fn grades(&self) -> Vec<(String, String)> {
        editor::grade_options(self.form.qtype == "multichoice")
    }

    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/instruct/questions/{id}/edit"),
            None => "/instruct/questions/new".into(),
        }
    }

    fn type_key(&self, qtype: &str) -> String {
        format!("editor.type_{qtype}")
    }

    fn type_hint_key(&self, qtype: &str) -> String {
        format!("editor.type_{qtype}_hint")
    }

    fn answers_hint_key(&self) -> String {
        format!("editor.type_{}_answers_hint", self.form.qtype)
    }
}

async fn editor_page(
    ctx: Ctx,
    state: &AppState,
    id: Option<i64>,
    version: Option<i64>,
    form: EditorForm,
    error: Option<&'static str>,
) -> Page {
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let page = EditorPage {
        labels: LabelChoices::from_taxonomy(&taxonomy, &ctx.locale),
        categories: store::categories(&state.db)
            .await?
            .into_iter()
            .map(|(path, _)| path)
            .collect(),
        ctx,
        id,
        version,
        form,
        error,
        types: editor::TYPES,
    };
    match error {
        None => render(&page),
        Some(_) => render_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page),
    }
}

/// `GET /instruct/questions/new[?type=…&category=…]`: the type menu, or the empty form of a type.
pub async fn new_form(ctx: Ctx, state: web::Data<AppState>, query: web::Query<NewQuery>) -> Page {
    let qtype = query.qtype.clone().unwrap_or_default();
    let qtype = if editor::TYPES.contains(&qtype.as_str()) {
        qtype
    } else {
        String::new()
    };
    let category = query
        .category
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| store::DEFAULT_CATEGORY.to_string());
    editor_page(
        ctx,
        &state,
        None,
        None,
        EditorForm::blank(&qtype, &category),
        None,
    )
    .await
}

/// `GET /instruct/questions/{id}/edit`: the form with the current version.
pub async fn edit_form(ctx: Ctx, state: web::Data<AppState>, path: web::Path<String>) -> Page {
    let id = crate::web::path_id(&path)?;
    let question = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let form = EditorForm::of(&question.category, &question.body);
    editor_page(ctx, &state, Some(id), Some(question.version), form, None).await
}

/// `POST /instruct/questions/new`.
pub async fn create(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    fields: FormFields,
) -> Page {
    save(ctx, &user, &state, None, &fields).await
}

/// `POST /instruct/questions/{id}/edit`: a change becomes a new version.
pub async fn update(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    fields: FormFields,
) -> Page {
    let id = crate::web::path_id(&path)?;
    let current = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut fields = fields;
    // The type of a stored question does not change (Moodle's rule too): the form's is ignored.
    fields.0.retain(|(k, _)| k != "qtype");
    fields.0.push(("qtype".into(), current.qtype.clone()));
    save(ctx, &user, &state, Some((id, current.version)), &fields).await
}

async fn save(
    ctx: Ctx,
    user: &SessionUser,
    state: &AppState,
    existing: Option<(i64, i64)>,
    fields: &FormFields,
) -> Page {
    let form = EditorForm::from_fields(fields);
    let (id, version) = (existing.map(|e| e.0), existing.map(|e| e.1));
    let taxonomy = state.lab_cache.taxonomy(&state.db).await?;
    let known = |kind: crate::taxonomy::LabelKind, slug: &str| {
        let labels = match kind {
            crate::taxonomy::LabelKind::Intent => &taxonomy.intents,
            crate::taxonomy::LabelKind::Emotion => &taxonomy.emotions,
        };
        labels.iter().any(|l| l.key == slug)
    };
    let question = match form.to_question(known) {
        Ok(q) => q,
        Err(e) => return editor_page(ctx, state, id, version, form, Some(e.message_key())).await,
    };
    let saved = match store::save_question(&state.db, id, &form.category, &question, user.id).await
    {
        Ok(saved) => saved,
        Err(store::SaveError::NameTaken) => {
            return editor_page(ctx, state, id, version, form, Some("editor.err_name_taken")).await;
        }
        Err(store::SaveError::NotFound) => return Err(AppError::NotFound),
        Err(store::SaveError::Db(e)) => return Err(e.into()),
    };
    let (id, action, flash) = match saved {
        store::Saved::Created { id } => (id, "question.created", "editor.created"),
        store::Saved::NewVersion { id, .. } => (id, "question.edited", "editor.new_version"),
        store::Saved::Unchanged { id } => (id, "", "editor.unchanged"),
    };
    if !action.is_empty() {
        let subject = format!("{} ({})", question.name, form.category.trim());
        crate::accounts::store::audit(&state.db, Some(user.id), action, &subject).await?;
    }
    Ok(see_other_with_flash(
        state,
        &format!("/instruct/questions/{id}"),
        flash,
    ))
}

/// `POST /instruct/questions/import`: a GIFT file, checked whole; stored only without errors.
pub async fn upload(
    ctx: Ctx,
    user: SessionUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Page {
    let (fields, file) = crate::lab::corpus_admin::read_form(payload, MAX_UPLOAD_BYTES).await?;
    let category = fields
        .iter()
        .find(|(k, _)| k == "category")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let (name, text) = crate::lab::corpus_admin::uploaded_text(file)?;
    match gift::parse(&text) {
        Ok(items) => {
            let default = if category.is_empty() {
                store::DEFAULT_CATEGORY
            } else {
                category.as_str()
            };
            let items = gift::with_default_category(items, default);
            let stats =
                store::import_items(&state.db, &items, &format!("upload:{name}"), Some(user.id))
                    .await?;
            let subject = format!(
                "{name}: {} new, {} new versions, {} unchanged",
                stats.inserted, stats.new_versions, stats.unchanged
            );
            crate::accounts::store::audit(&state.db, Some(user.id), "questions.imported", &subject)
                .await?;
            Ok(see_other_with_flash(
                &state,
                "/instruct/questions",
                "bank.imported",
            ))
        }
        Err(errors) => {
            let errors = errors
                .iter()
                .take(50)
                .map(|e| format!("{name}:{}: {}", e.line, e.message))
                .collect();
            bank_page(ctx, &state, String::new(), String::new(), errors).await
        }
    }
}

/// `GET /instruct/questions/export.gift[?category=…]`: the category and below, as GIFT.
pub async fn export(state: web::Data<AppState>, query: web::Query<CategoryQuery>) -> Page {
    let category = query.category.clone().unwrap_or_default();
    let questions = store::list(&state.db, &category).await?;
    let body = gift::to_gift(&store::as_items(&questions));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"intentdojo-questions.gift\"",
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tree_has_every_ancestor_with_totals() {
        let tree = super::category_tree(&[
            ("a/b/c".to_string(), 2),
            ("a/b/d".to_string(), 3),
            ("a/e".to_string(), 1),
        ]);
        let expected: Vec<(String, i64)> =
            [("a", 6), ("a/b", 5), ("a/b/c", 2), ("a/b/d", 3), ("a/e", 1)]
                .iter()
                .map(|(p, n)| (p.to_string(), *n))
                .collect();
        assert_eq!(tree, expected);
    }

    #[test]
    fn credit_reads_like_moodle() {
        assert_eq!(super::credit(1.0), "100%");
        assert_eq!(super::credit(0.5), "50%");
        assert_eq!(super::credit(-1.0 / 3.0), "-33.33333%");
        assert_eq!(super::credit(0.0), "0%");
    }
}
