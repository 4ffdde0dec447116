//! Storage properties that users never see until they break.

use intentdojo::accounts::store;
use intentdojo::db::Db;

/// Overlapping write transactions on several connections (worst with `INSERT ... RETURNING`) starve
/// SQLite's WAL checkpoint and the -wal file grows without bound (measured 125 MB for 10 MB written).
/// The storage layer's single writer connection prevents it: under a long write load with concurrent
/// readers, the WAL must stay near the 4 MB autocheckpoint size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_wal_stays_bounded_under_a_long_write_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let db = Db::connect(&format!("sqlite://{}", path.display()), 8)
        .await
        .unwrap();
    let padding = "x".repeat(1000);
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let db = db.clone();
        let padding = padding.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..2500 {
                // RETURNING id on every insert, plus reads in between, about 10 MB written in all.
                store::create_team(&db, &format!("{worker}-{i}-{padding}"))
                    .await
                    .unwrap();
                if i % 50 == 0 {
                    store::count_users(&db).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wal = std::fs::metadata(dir.path().join("wal.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    let main = std::fs::metadata(&path).unwrap().len();
    assert!(
        main > 9_000_000,
        "the load really wrote data ({main} bytes)"
    );
    assert!(
        wal < 8_000_000,
        "the WAL grew to {wal} bytes: checkpoints are being blocked"
    );
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_schema_is_the_same_shape_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/twice.db", dir.path().display());
    let first = Db::connect(&url, 2).await.unwrap();
    store::create_team(&first, "Kept").await.unwrap();
    drop(first);
    let second = Db::connect(&url, 2).await.unwrap();
    assert_eq!(
        store::list_teams(&second).await.unwrap().len(),
        1,
        "reconnecting keeps data"
    );

    // Both migration folders hold the same files, change by change.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
