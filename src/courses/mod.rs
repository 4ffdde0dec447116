//! Courses and lessons: markdown authoring with teaching blocks, versions, publishing, progress.
//! `render.rs` turns a lesson file into safe HTML; `load.rs` brings `content/courses` into the
//! database and writes it back; SQL in `store.rs`; pages in `routes.rs` (trainees) and `authoring.rs`.

pub mod authoring;
pub mod load;
pub mod render;
pub mod routes;
pub mod store;

use std::path::Path;

use crate::db::Db;
use crate::taxonomy::{self, LabelKind};
use load::LoadError;
use render::Vocabulary;
use store::LoadStats;

/// The keys teaching blocks may use, from the taxonomy in the database.
pub async fn vocabulary(db: &Db) -> sqlx::Result<Vocabulary> {
    let keys = |labels: Vec<taxonomy::Label>| labels.into_iter().map(|l| l.key).collect();
    Ok(Vocabulary {
        intents: keys(taxonomy::store::list(db, LabelKind::Intent).await?),
        emotions: keys(taxonomy::store::list(db, LabelKind::Emotion).await?),
    })
}

/// Loads every course under `root/courses`. Each course is all or nothing; broken ones are
/// reported and the others load.
pub async fn load_courses(db: &Db, root: &Path) -> anyhow::Result<(LoadStats, Vec<LoadError>)> {
    let vocab = vocabulary(db).await?;
    let (bundles, errors) = load::read_all(root, &vocab);
    let mut total = LoadStats::default();
    for bundle in &bundles {
        let stats = store::apply_bundle(db, bundle).await?;
        total.courses += stats.courses;
        total.new_versions += stats.new_versions;
        total.unchanged_files += stats.unchanged_files;
    }
    Ok((total, errors))
}
