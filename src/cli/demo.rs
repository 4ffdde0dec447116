//! The demo: a ready-to-try instance on the embedded database with an account for every role.

use clap::Args;

use crate::accounts::store::{self, MemberKind};
use crate::accounts::{NewPassword, Role, hash_password};
use crate::app::Application;
use crate::config::{Config, DEFAULT_DATABASE_URL};
use crate::db::Db;

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, env = "INTENTDOJO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Database URL (the demo uses its own SQLite file by default).
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Content folder.
    #[arg(long, env = "INTENTDOJO_CONTENT_DIR", default_value = "content")]
    pub content_dir: std::path::PathBuf,
    /// Log filter.
    #[arg(long, env = "INTENTDOJO_LOG", default_value = "info,sqlx=warn")]
    pub log_level: String,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            addr: "127.0.0.1:8080".to_string(),
            database_url: DEFAULT_DATABASE_URL.to_string(),
            content_dir: "content".into(),
            log_level: "info,sqlx=warn".to_string(),
        }
    }
}

/// A demo account; the same list is in the README.
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub password: &'static str,
    pub roles: &'static [Role],
}

pub const DEMO_TEAM: &str = "Team Atlas";

pub const DEMO_ACCOUNTS: [DemoAccount; 5] = [
    DemoAccount {
        email: "admin@demo.intentdojo",
        name: "Ada Admin",
        password: "demo-admin-2026",
        roles: &[Role::Admin],
    },
    DemoAccount {
        email: "instructor@demo.intentdojo",
        name: "Inés Instructor",
        password: "demo-instructor-2026",
        roles: &[Role::Instructor],
    },
    DemoAccount {
        email: "supervisor@demo.intentdojo",
        name: "王海 Wang Hai",
        password: "demo-supervisor-2026",
        roles: &[Role::Supervisor],
    },
    DemoAccount {
        email: "mei@demo.intentdojo",
        name: "陈美 Chen Mei",
        password: "demo-trainee-2026",
        roles: &[Role::Trainee],
    },
    DemoAccount {
        email: "lucas@demo.intentdojo",
        name: "Lucas Oliveira",
        password: "demo-trainee-2026",
        roles: &[Role::Trainee],
    },
];

/// Creates the demo accounts and team if they are missing (existing ones are left as they are).
pub async fn seed_accounts(db: &Db) -> anyhow::Result<()> {
    let team_id = match store::team_id_by_name(db, DEMO_TEAM).await? {
        Some(id) => id,
        None => store::create_team(db, DEMO_TEAM).await?,
    };
    for account in &DEMO_ACCOUNTS {
        if store::user_by_email(db, account.email).await?.is_some() {
            continue;
        }
        let password = NewPassword::parse(account.password, None).map_err(anyhow::Error::msg)?;
        let hash = hash_password(&password)?;
        let new = store::NewUser {
            email: account.email,
            display_name: account.name,
            password_hash: Some(&hash),
            roles: account.roles,
            locale: None,
        };
        let id = store::create_user(db, &new).await?;
        if account.roles.contains(&Role::Trainee) {
            store::add_team_member(db, team_id, id, MemberKind::Member).await?;
        }
        if account.roles.contains(&Role::Supervisor) {
            store::add_team_member(db, team_id, id, MemberKind::Supervisor).await?;
        }
    }
    Ok(())
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let mut config = Config::for_database(&args.database_url);
    config.addr = args.addr.clone();
    config.content_dir = args.content_dir.clone();
    config.workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    config.demo = true;
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    seed_accounts(&db).await?;
    let app = Application::build_with_db(config, db).await?;
    let simulated = super::demo_history::seed_quiz_history(app.db(), crate::db::now_ms()).await?;
    let lab_history = super::demo_history::seed_lab_history(app.db(), crate::db::now_ms()).await?;
    let calibration =
        super::demo_calibration::seed_calibration(app.db(), crate::db::now_ms()).await?;
    println!();
    println!("intentdojo demo is running: http://{}", args.addr);
    println!("Demo accounts (email / password):");
    for a in &DEMO_ACCOUNTS {
        let roles = a
            .roles
            .iter()
            .map(|r| r.key())
            .collect::<Vec<_>>()
            .join(", ");
        println!("  {:<12} {:<28} {}", roles, a.email, a.password);
    }
    if simulated > 0 {
        println!(
            "Simulated history: {simulated} quiz attempts by {} simulated trainees (model in src/cli/demo_history.rs).",
            super::demo_history::SIMULATED.len()
        );
    }
    if lab_history > 0 {
        println!(
            "Simulated lab history: {lab_history} answers over six weeks for Team Atlas (model in src/cli/demo_history.rs)."
        );
    }
    if calibration > 0 {
        println!(
            "Calibration: {calibration} demo sessions for {} (model in src/cli/demo_calibration.rs).",
            DEMO_TEAM
        );
    }
    println!("Press Ctrl+C to stop.");
    println!();
    app.run_until_stopped().await?;
    Ok(())
}
