//! Faults. The database goes away under a running app: on PostgreSQL the test database stops
//! taking connections and the open ones are killed (what a restart or failover looks like to the
//! app). Pages answer 503 with a clear message, `/readyz` says so, nothing is a 500, and the app
//! recovers by itself once the database is back, sessions intact. On SQLite the database is a file
//! inside the process, so there is no server to lose and the test has nothing to do.

mod common;

use std::time::Duration;

use common::TestApp;
use intentdojo::accounts::Role;
use intentdojo::db::Backend;
use sqlx::Connection;

/// Lets the test database take connections again, or refuses them and kills the open ones.
async fn allow_connections(name: &str, allow: bool) {
    let mut admin = sqlx::AnyConnection::connect(&common::postgres_admin_url())
        .await
        .expect("admin connection");
    let sql = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .expect("alter database");
    if !allow {
        let sql = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("terminate connections");
    }
    admin.close().await.ok();
}

#[tokio::test]
async fn pages_say_503_while_the_database_is_gone_and_recover_by_themselves() {
    if common::backend() != Backend::Postgres {
        return;
    }
    let app = TestApp::spawn().await;
    let (trainee, _) = app.signed_in("fay@faults.example", &[Role::Trainee]).await;
    assert_eq!(trainee.get("/lab").await.status(), 200);
    let name = app
        .database
        .postgres_name()
        .expect("a PostgreSQL test database")
        .to_string();

    allow_connections(&name, false).await;
    let anonymous = app.client();
    let res = anonymous.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("database"));
    for path in ["/lab", "/quizzes", "/courses"] {
        let res = trainee.get(path).await;
        assert_eq!(res.status(), 503, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("The database cannot be reached right now"),
            "{path}: {body}"
        );
    }
    // Liveness does not depend on the database: the process is alive, only not ready.
    assert_eq!(anonymous.get("/healthz").await.status(), 200);

    allow_connections(&name, true).await;
    let mut ready = false;
    for _ in 0..40 {
        if anonymous.get("/readyz").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "/readyz recovers without a restart");
    let res = trainee.get("/lab").await;
    assert_eq!(res.status(), 200, "the session survived the outage");
}
