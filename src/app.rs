//! Builds the application: state, middleware and the one routing table, where every route declares
//! who may use it.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, Route, web};
use anyhow::Context;

use crate::accounts::{self, Role, store};
use crate::config::Config;
use crate::db::Db;
use crate::taxonomy;
use crate::web::telemetry::Metrics;
use crate::web::{Access, access, assets, error, random_token, session, sha256_hex, telemetry};

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub csrf_key: Vec<u8>,
    pub metrics: Metrics,
    /// The reference models; replaced whole when an instructor retrains.
    pub classifier:
        std::sync::RwLock<Option<std::sync::Arc<crate::classifier::reference::ReferenceModels>>>,
    /// The practice pool and taxonomy, revalidated per request against the database.
    pub lab_cache: crate::lab::cache::LabCache,
}

impl AppState {
    pub fn models(&self) -> Option<std::sync::Arc<crate::classifier::reference::ReferenceModels>> {
        self.classifier.read().ok().and_then(|m| m.clone())
    }
}

/// Trains the reference models from the gold corpus (off the async workers) and stores the evaluation.
pub async fn train_reference(
    db: &Db,
    trained_by: Option<i64>,
) -> anyhow::Result<Option<crate::classifier::reference::ReferenceModels>> {
    let gold = crate::lab::store::gold_messages(db).await?;
    if gold.len() < 10 {
        return Ok(None);
    }
    let (models, reports) =
        tokio::task::spawn_blocking(move || crate::classifier::reference::train(&gold)).await??;
    crate::classifier::reference::store_reports(db, &reports, trained_by).await?;
    Ok(Some(models))
}

/// One route: method, path pattern, who may use it, and its handler.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    route: fn() -> Route,
}

macro_rules! endpoint {
    ($method:ident $path:literal, $access:expr, $handler:path) => {
        Endpoint {
            method: Method::$method,
            path: $path,
            access: $access,
            route: || web::route().method(Method::$method).to($handler),
        }
    };
}

const TRAINEE: Access = Access::AnyOf(&[Role::Trainee]);
const SUPERVISOR: Access = Access::AnyOf(&[Role::Supervisor]);
const INSTRUCTOR: Access = Access::AnyOf(&[Role::Instructor]);
const ADMIN: Access = Access::AnyOf(&[Role::Admin]);
const SIGNED_IN: Access = Access::SignedIn;
/// Trainees practise in the lab; instructors may try it too.
const LAB: Access = Access::AnyOf(&[Role::Trainee, Role::Instructor]);
const PUBLIC: Access = Access::Public;
/// Calibration sessions are run by supervisors (of the session's team) and admins...
const CALIBRATION_LEAD: Access = Access::AnyOf(&[Role::Supervisor, Role::Admin]);
/// ...and read by instructors too.
const CALIBRATION_READ: Access = Access::AnyOf(&[Role::Supervisor, Role::Instructor, Role::Admin]);
/// Team dashboards: supervisors see their own teams, administrators every team.
const TEAM_VIEW: Access = Access::AnyOf(&[Role::Supervisor, Role::Admin]);

/// The routing table. Order matters where patterns overlap (`/admin/users/new` before `{id}`).
pub fn endpoints() -> Vec<Endpoint> {
    use crate::calibration::routes as calib;
    use crate::certification::routes as cert;
    use crate::courses::{authoring, routes as courses};
    use crate::lab::{corpus_admin, review, routes as lab};
    use crate::quizzes::{authoring as quiz_admin, routes as quizzes};
    use crate::reports::routes as dash;
    use accounts::{admin, routes as acc};
    vec![
        endpoint!(GET "/", PUBLIC, acc::root),
        endpoint!(GET "/login", PUBLIC, acc::login_form),
        endpoint!(POST "/login", PUBLIC, acc::login),
        endpoint!(POST "/logout", SIGNED_IN, acc::logout),
        endpoint!(POST "/lang", PUBLIC, acc::switch_language),
        endpoint!(GET "/setup", PUBLIC, acc::setup_form),
        endpoint!(POST "/setup", PUBLIC, acc::setup),
        endpoint!(GET "/password/{token}", PUBLIC, acc::set_password_form),
        endpoint!(POST "/password/{token}", PUBLIC, acc::set_password),
        endpoint!(GET "/account", SIGNED_IN, acc::account_page),
        endpoint!(POST "/account", SIGNED_IN, acc::update_account),
        endpoint!(GET "/account/password", SIGNED_IN, acc::change_password_form),
        endpoint!(POST "/account/password", SIGNED_IN, acc::change_password),
        endpoint!(GET "/learn", TRAINEE, acc::trainee_home),
        endpoint!(GET "/team", SUPERVISOR, acc::supervisor_home),
        endpoint!(GET "/instruct", INSTRUCTOR, acc::instructor_home),
        endpoint!(GET "/lab", LAB, lab::home),
        endpoint!(GET "/lab/next", LAB, lab::next),
        endpoint!(GET "/lab/summary", LAB, lab::summary),
        endpoint!(GET "/lab/items/{id}", LAB, lab::item),
        endpoint!(POST "/lab/items/{id}", LAB, lab::submit),
        endpoint!(GET "/lab/answers/{id}", LAB, lab::feedback),
        endpoint!(POST "/lab/answers/{id}/flag", LAB, lab::flag),
        endpoint!(GET "/instruct/taxonomy", INSTRUCTOR, crate::taxonomy::routes::page),
        endpoint!(POST "/instruct/taxonomy", INSTRUCTOR, crate::taxonomy::routes::add),
        endpoint!(GET "/instruct/questions", INSTRUCTOR, crate::quizzes::bank::page),
        endpoint!(POST "/instruct/questions/import", INSTRUCTOR, crate::quizzes::bank::upload),
        endpoint!(GET "/instruct/questions/export.gift", INSTRUCTOR, crate::quizzes::bank::export),
        endpoint!(GET "/instruct/questions/new", INSTRUCTOR, crate::quizzes::bank::new_form),
        endpoint!(POST "/instruct/questions/new", INSTRUCTOR, crate::quizzes::bank::create),
        endpoint!(GET "/instruct/questions/{id}", INSTRUCTOR, crate::quizzes::bank::question),
        endpoint!(GET "/instruct/questions/{id}/edit", INSTRUCTOR, crate::quizzes::bank::edit_form),
        endpoint!(POST "/instruct/questions/{id}/edit", INSTRUCTOR, crate::quizzes::bank::update),
        endpoint!(GET "/quizzes", LAB, quizzes::list),
        endpoint!(GET "/quizzes/{id}", LAB, quizzes::quiz_page),
        endpoint!(POST "/quizzes/{id}/start", LAB, quizzes::start),
        endpoint!(GET "/attempts/{id}", LAB, quizzes::attempt_page),
        endpoint!(POST "/attempts/{id}", LAB, quizzes::save),
        endpoint!(POST "/attempts/{id}/slots/{slot}", LAB, quizzes::autosave),
        endpoint!(GET "/attempts/{id}/review", LAB, quizzes::review),
        endpoint!(GET "/instruct/quizzes", INSTRUCTOR, quiz_admin::list),
        endpoint!(POST "/instruct/quizzes", INSTRUCTOR, quiz_admin::create),
        endpoint!(GET "/instruct/quizzes/{id}", INSTRUCTOR, quiz_admin::edit),
        endpoint!(POST "/instruct/quizzes/{id}", INSTRUCTOR, quiz_admin::save),
        endpoint!(GET "/instruct/quizzes/{id}/results", INSTRUCTOR, quiz_admin::results),
        endpoint!(GET "/instruct/quizzes/{id}/results.csv", INSTRUCTOR, quiz_admin::results_csv),
        endpoint!(POST "/instruct/quizzes/{id}/regrade", INSTRUCTOR, quiz_admin::regrade),
        endpoint!(GET "/instruct/quizzes/{id}/analysis", INSTRUCTOR, quiz_admin::item_analysis_page),
        endpoint!(GET "/instruct/grading", INSTRUCTOR, quiz_admin::grading_queue),
        endpoint!(POST "/instruct/grading/{attempt}/{slot}", INSTRUCTOR, quiz_admin::grade),
        endpoint!(GET "/instruct/corpus", INSTRUCTOR, corpus_admin::page),
        endpoint!(POST "/instruct/corpus/import", INSTRUCTOR, corpus_admin::upload),
        endpoint!(GET "/instruct/corpus/export/{file}", INSTRUCTOR, corpus_admin::download),
        endpoint!(GET "/instruct/review", INSTRUCTOR, review::queue),
        endpoint!(POST "/instruct/review/{id}", INSTRUCTOR, review::confirm),
        endpoint!(GET "/instruct/classifier", INSTRUCTOR, review::classifier),
        endpoint!(POST "/instruct/classifier/train", INSTRUCTOR, review::retrain),
        endpoint!(GET "/courses", SIGNED_IN, courses::catalogue),
        endpoint!(GET "/courses/{course}", SIGNED_IN, courses::course_page),
        endpoint!(GET "/courses/{course}/{lesson}", SIGNED_IN, courses::lesson_page),
        endpoint!(POST "/courses/{course}/{lesson}/complete", SIGNED_IN, courses::mark_complete),
        endpoint!(POST "/courses/{course}/{lesson}/checks/{check}", SIGNED_IN, courses::answer_check),
        endpoint!(GET "/instruct/courses", INSTRUCTOR, authoring::outline),
        endpoint!(POST "/instruct/courses/{id}/modules", INSTRUCTOR, authoring::new_module),
        endpoint!(POST "/instruct/modules/{id}/lessons", INSTRUCTOR, authoring::new_lesson),
        endpoint!(POST "/instruct/modules/{id}/move", INSTRUCTOR, authoring::move_module),
        endpoint!(GET "/instruct/lessons/{id}", INSTRUCTOR, authoring::editor),
        endpoint!(POST "/instruct/lessons/{id}", INSTRUCTOR, authoring::save),
        endpoint!(GET "/instruct/lessons/{id}/history", INSTRUCTOR, authoring::history),
        endpoint!(GET "/instruct/lessons/{id}/versions/{version}", INSTRUCTOR, authoring::view_version),
        endpoint!(POST "/instruct/lessons/{id}/versions/{version}/restore", INSTRUCTOR, authoring::restore_version),
        endpoint!(POST "/instruct/lessons/{id}/publish", INSTRUCTOR, authoring::publish),
        endpoint!(POST "/instruct/lessons/{id}/move", INSTRUCTOR, authoring::move_lesson),
        endpoint!(GET "/admin", ADMIN, admin::overview),
        endpoint!(GET "/admin/users", ADMIN, admin::users),
        endpoint!(POST "/admin/users", ADMIN, admin::create_user),
        endpoint!(GET "/admin/users/new", ADMIN, admin::new_user_form),
        endpoint!(GET "/admin/users/{id}", ADMIN, admin::user_page),
        endpoint!(POST "/admin/users/{id}", ADMIN, admin::update_user),
        endpoint!(POST "/admin/users/{id}/deactivate", ADMIN, admin::deactivate_user),
        endpoint!(POST "/admin/users/{id}/reactivate", ADMIN, admin::reactivate_user),
        endpoint!(POST "/admin/users/{id}/reset-password", ADMIN, admin::reset_password),
        endpoint!(GET "/admin/teams", ADMIN, admin::teams),
        endpoint!(POST "/admin/teams", ADMIN, admin::create_team),
        endpoint!(GET "/admin/teams/{id}", ADMIN, admin::team_page),
        endpoint!(POST "/admin/teams/{id}/members", ADMIN, admin::add_member),
        endpoint!(POST "/admin/teams/{id}/members/remove", ADMIN, admin::remove_member),
        endpoint!(GET "/certifications", TRAINEE, cert::trainee_page),
        endpoint!(GET "/verify/{code}", PUBLIC, cert::verify),
        endpoint!(GET "/team/certifications", SUPERVISOR, cert::team_page),
        endpoint!(GET "/me/progress", TRAINEE, dash::my_progress),
        endpoint!(GET "/team/dashboard", TEAM_VIEW, dash::team),
        endpoint!(GET "/team/dashboard.csv", TEAM_VIEW, dash::team_csv),
        endpoint!(GET "/team/answers.csv", TEAM_VIEW, dash::answers_csv),
        endpoint!(GET "/team/trainees/{id}", TEAM_VIEW, dash::trainee),
        endpoint!(GET "/team/trainees/{id}/answers", TEAM_VIEW, dash::trainee_answers),
        endpoint!(GET "/team/intents/{intent}", TEAM_VIEW, dash::intent),
        endpoint!(GET "/team/languages/{lang}", TEAM_VIEW, dash::language),
        endpoint!(GET "/team/confusion", TEAM_VIEW, dash::confusion),
        endpoint!(GET "/team/confusion/{reference}/{given}", TEAM_VIEW, dash::confusion_cell),
        endpoint!(GET "/instruct/certifications", INSTRUCTOR, cert::instruct_list),
        endpoint!(POST "/instruct/certifications", INSTRUCTOR, cert::create),
        endpoint!(GET "/instruct/certifications/new", INSTRUCTOR, cert::new_form),
        endpoint!(GET "/instruct/certifications/{id}", INSTRUCTOR, cert::edit_form),
        endpoint!(POST "/instruct/certifications/{id}", INSTRUCTOR, cert::update),
        endpoint!(GET "/admin/certificates", ADMIN, cert::admin_list),
        endpoint!(POST "/admin/certificates/{id}/revoke", ADMIN, cert::revoke),
        endpoint!(GET "/calibration", TRAINEE, calib::mine),
        endpoint!(GET "/calibration/{id}", TRAINEE, calib::session_page),
        endpoint!(GET "/calibration/{id}/items/{item}", TRAINEE, calib::item),
        endpoint!(POST "/calibration/{id}/items/{item}", TRAINEE, calib::submit),
        endpoint!(GET "/team/calibration", CALIBRATION_READ, calib::list),
        endpoint!(GET "/team/calibration/new", CALIBRATION_LEAD, calib::new_form),
        endpoint!(POST "/team/calibration/new", CALIBRATION_LEAD, calib::create),
        endpoint!(GET "/team/calibration/{id}", CALIBRATION_READ, calib::overview),
        endpoint!(POST "/team/calibration/{id}/close", CALIBRATION_LEAD, calib::close),
        endpoint!(GET "/team/calibration/{id}/report", CALIBRATION_READ, calib::report),
        endpoint!(GET "/team/calibration/{id}/answers.csv", CALIBRATION_READ, calib::answers_csv),
        endpoint!(POST "/team/calibration/{id}/items/{item}/notes", CALIBRATION_LEAD, calib::save_notes),
        endpoint!(GET "/healthz", PUBLIC, healthz),
        endpoint!(GET "/readyz", PUBLIC, readyz),
        endpoint!(GET "/metrics", PUBLIC, metrics),
        endpoint!(GET "/static/{name}", PUBLIC, assets::static_file),
    ]
}

/// Registers the table: one resource per path, guarded by the path's access rule.
fn configure(cfg: &mut web::ServiceConfig) {
    let mut groups: Vec<(&'static str, Access, Vec<Endpoint>)> = Vec::new();
    for ep in endpoints() {
        match groups.iter_mut().find(|(path, _, _)| *path == ep.path) {
            Some((_, access, eps)) => {
                assert_eq!(
                    *access, ep.access,
                    "every method of {} must share one access rule",
                    ep.path
                );
                eps.push(ep);
            }
            None => groups.push((ep.path, ep.access, vec![ep])),
        }
    }
    for (path, rule, eps) in groups {
        let methods: std::sync::Arc<[Method]> = eps.iter().map(|ep| ep.method.clone()).collect();
        let mut resource = web::resource(path);
        for ep in eps {
            resource = resource.route((ep.route)());
        }
        cfg.service(resource.wrap(from_fn(move |req, next| {
            access::guard(rule, methods.clone(), req, next)
        })));
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.is_ready().await {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable")
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = &state.db.pool;
    let body = state.metrics.render(
        pool.size(),
        pool.num_idle(),
        pool.options().get_max_connections(),
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// Loads `taxonomy.toml` from the content folder into the database.
pub async fn load_taxonomy(db: &Db, content_dir: &std::path::Path) -> anyhow::Result<()> {
    let labels = taxonomy::load_file(&content_dir.join("taxonomy.toml"))?;
    taxonomy::store::upsert(db, &labels)
        .await
        .context("storing the taxonomy")
}

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    /// Printed at start when the database has no user yet (never in demo mode).
    pub setup_token: Option<String>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url, config.db_max_connections).await?;
        Application::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Application> {
        load_taxonomy(&db, &config.content_dir).await?;
        let (stats, errors) = crate::courses::load_courses(&db, &config.content_dir).await?;
        tracing::info!(
            courses = stats.courses,
            new_versions = stats.new_versions,
            "content loaded"
        );
        for e in &errors {
            // A broken course is skipped whole; the rest of the site starts.
            tracing::error!(error = %e, "course not loaded");
        }
        let (corpus, corpus_errors) = crate::lab::load_corpus(&db, &config.content_dir).await?;
        tracing::info!(
            inserted = corpus.inserted,
            updated = corpus.updated,
            "corpus loaded"
        );
        for e in &corpus_errors {
            tracing::error!(error = %e, "corpus file not loaded");
        }
        let (bank, bank_errors) = crate::quizzes::load_banks(&db, &config.content_dir).await?;
        tracing::info!(
            inserted = bank.inserted,
            new_versions = bank.new_versions,
            "question banks loaded"
        );
        for e in &bank_errors {
            tracing::error!(error = %e, "question bank file not loaded");
        }
        let (quizzes, quiz_errors) =
            crate::quizzes::quiz::load_quiz_files(&db, &config.content_dir).await?;
        tracing::info!(created = quizzes, "quizzes loaded");
        for e in &quiz_errors {
            tracing::error!(error = %e, "quiz file not loaded");
        }
        // After the courses and quizzes it names.
        let (certifications, cert_problems) =
            crate::certification::load_certifications(&db, &config.content_dir).await?;
        tracing::info!(created = certifications, "certifications loaded");
        for e in &cert_problems {
            tracing::warn!(problem = %e, "certification not created");
        }
        let models = if config.train_at_start {
            train_reference(&db, None).await?
        } else {
            None
        };

        let csrf_key = match &config.session_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => store::setting_or_init(&db, "csrf_key", &random_token())
                .await?
                .into_bytes(),
        };

        let setup_token = if !config.demo && store::count_users(&db).await? == 0 {
            let token = random_token();
            store::set_setting(
                &db,
                accounts::routes::SETUP_TOKEN_SETTING,
                &sha256_hex(&token),
            )
            .await?;
            Some(token)
        } else {
            None
        };

        let listener = TcpListener::bind(&config.addr)
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let port = listener.local_addr()?.port();
        let workers = config.workers.max(1);
        let state = web::Data::new(AppState {
            db,
            config,
            csrf_key,
            metrics: Metrics::default(),
            classifier: std::sync::RwLock::new(models.map(std::sync::Arc::new)),
            lab_cache: Default::default(),
        });
        // Warm the lab's caches so the first trainees do not all load the corpus at once.
        state.lab_cache.pool(&state.db).await?;
        state.lab_cache.taxonomy(&state.db).await?;
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(256 * 1024))
                .configure(configure)
                .default_service(web::to(error::not_found))
                .wrap(from_fn(session::middleware))
                .wrap(from_fn(error::render_errors))
                .wrap(from_fn(telemetry::middleware))
        })
        .workers(workers)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state,
            setup_token,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Serves until SIGINT/SIGTERM (actix finishes in-flight requests first), purging expired
    /// sessions every ten minutes meanwhile.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let purge = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                let now = crate::db::now_ms();
                let idle_before = now - state.config.session_idle_ms();
                let created_before = now - state.config.session_max_ms();
                if let Err(e) =
                    store::purge_expired_sessions(&state.db, idle_before, created_before).await
                {
                    tracing::warn!(error = %e, "purging expired sessions failed");
                }
            }
        });
        // Overdue quiz attempts are submitted within a minute even if no one looks at them, so
        // results and certifications do not wait for the trainee to come back.
        let sweep_state = self.state.clone();
        let sweep = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                match crate::quizzes::attempts::finish_overdue(&sweep_state.db, crate::db::now_ms())
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(attempts = n, "overdue quiz attempts submitted"),
                    Err(e) => tracing::warn!(error = %e, "submitting overdue attempts failed"),
                }
            }
        });
        let result = self.server.await;
        purge.abort();
        sweep.abort();
        result
    }
}
