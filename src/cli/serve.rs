//! `intentdojo serve`: production use.

use crate::app::Application;
use crate::config::{Config, ServeArgs};
use crate::db::redact;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::try_from(&args)?;
    let database = redact(&config.database_url);
    let app = Application::build(config.clone()).await?;
    tracing::info!(database = %database, "database ready");
    if let Some(token) = &app.setup_token {
        println!();
        println!("No account exists yet. Create the first administrator in the browser:");
        println!(
            "  open http://{}/setup and enter this one-time setup token:",
            config.addr
        );
        println!("  {token}");
        println!(
            "(or run: intentdojo user add --role admin --email ... --name ... --password-stdin)"
        );
        println!();
    }
    tracing::info!(addr = %config.addr, "listening");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
