//! `intentdojo user add`: create a user from the command line.

use std::io::BufRead;

use clap::Args;

use crate::accounts::store::{self, MemberKind, TokenPurpose};
use crate::accounts::{DisplayName, Email, NewPassword, Role, hash_password};
use crate::config::DEFAULT_DATABASE_URL;
use crate::db::{Db, now_ms};
use crate::web::{random_token, sha256_hex};

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// Email address (the sign-in name).
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Role: trainee, supervisor, instructor or admin. Repeat for several.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// Team to join (created if missing): as a member if trainee, as supervisor if supervisor.
    #[arg(long)]
    pub team: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Database URL, as for `serve`.
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

pub async fn run(args: UserAddArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email)
        .map_err(|_| anyhow::anyhow!("--email {:?} is not a valid address", args.email))?;
    let name = DisplayName::parse(&args.name)
        .map_err(|_| anyhow::anyhow!("--name must be 1 to 80 characters"))?;
    let roles = args
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']);
        Some(NewPassword::parse(line, Some(&email)).map_err(|key| {
            anyhow::anyhow!(match key {
                "error.password_too_short" => "the password must have at least 10 characters",
                "error.password_too_long" => "the password must have at most 256 characters",
                _ => "the password must not be the email address",
            })
        })?)
    } else {
        None
    };
    let hash = password.map(|p| hash_password(&p)).transpose()?;

    let db = Db::connect(&args.database_url, 2).await?;
    let new = store::NewUser {
        email: email.as_str(),
        display_name: name.as_str(),
        password_hash: hash.as_deref(),
        roles: &roles,
        locale: None,
    };
    let id = match store::create_user(&db, &new).await {
        Ok(id) => id,
        Err(e) if store::is_unique_violation(&e) => {
            anyhow::bail!("a user with email {} already exists", email.as_str())
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(team) = &args.team {
        let team_id = match store::team_id_by_name(&db, team).await? {
            Some(id) => id,
            None => store::create_team(&db, team.trim()).await?,
        };
        if roles.contains(&Role::Trainee) {
            store::add_team_member(&db, team_id, id, MemberKind::Member).await?;
        }
        if roles.contains(&Role::Supervisor) {
            store::add_team_member(&db, team_id, id, MemberKind::Supervisor).await?;
        }
    }
    store::audit(&db, None, "user.created_cli", email.as_str()).await?;
    let role_list = roles.iter().map(|r| r.key()).collect::<Vec<_>>().join(", ");
    println!(
        "created user {} ({}) with id {id}, roles: {role_list}",
        email.as_str(),
        name.as_str()
    );
    if hash.is_none() {
        let token = random_token();
        let expires = now_ms() + 7 * 24 * 3_600_000;
        store::create_password_token(&db, &sha256_hex(&token), id, TokenPurpose::Invite, expires)
            .await?;
        println!("no password given: the user sets one at /password/{token} (valid 7 days)");
    }
    Ok(())
}
