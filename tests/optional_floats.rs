//! sqlx's Any driver declares a NULL f64 as float4 on PostgreSQL. A cached statement first run
//! with a NULL fraction then refuses an 8-byte float ("incorrect binary data format"), which made
//! certification and quiz writes fail now and then on PostgreSQL. The stores run such statements
//! uncached; this pins both the trap and the way out on one connection, where the cache lives.

mod common;

use intentdojo::db::Db;

#[tokio::test]
async fn a_null_then_a_number_in_the_same_statement_works_when_not_cached() {
    let database = common::TestDatabase::create().await;
    let db = Db::connect(&database.url, 1).await.unwrap();
    sqlx::query("CREATE TABLE fractions (id BIGINT NOT NULL, value DOUBLE PRECISION)")
        .execute(&db.writer)
        .await
        .unwrap();
    let insert = "INSERT INTO fractions (id, value) VALUES ($1, $2)";
    for (id, value) in [
        (1_i64, None),
        (2, Some(0.5_f64)),
        (3, None),
        (4, Some(0.25)),
    ] {
        sqlx::query(insert)
            .bind(id)
            .bind(value)
            .persistent(false)
            .execute(&db.writer)
            .await
            .unwrap_or_else(|e| panic!("row {id}: {e}"));
    }
    let sum: f64 = sqlx::query_scalar("SELECT SUM(value) FROM fractions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(sum, 0.75);
    if db.backend == intentdojo::db::Backend::Postgres {
        // The trap itself: cached, the same statement fails once a NULL went first.
        let cached = "UPDATE fractions SET value = $1 WHERE id = $2";
        sqlx::query(cached)
            .bind(None::<f64>)
            .bind(1_i64)
            .execute(&db.writer)
            .await
            .unwrap();
        let second = sqlx::query(cached)
            .bind(Some(0.5_f64))
            .bind(1_i64)
            .execute(&db.writer)
            .await;
        assert!(second.is_err(), "if sqlx fixes this, the workaround can go");
    }
}
