//! What every lab request reads — the practice pool and the taxonomy — cached per process and
//! revalidated against the database's version counters (see `db::cache`).

use std::sync::Arc;

use super::queue::Pool;
use super::store;
use crate::db::Db;
use crate::db::cache::{Versioned, versions};
use crate::taxonomy::{self, Label, LabelKind};

pub struct Taxonomy {
    pub intents: Vec<Label>,
    pub emotions: Vec<Label>,
}

#[derive(Default)]
pub struct LabCache {
    pool: Versioned<Pool>,
    taxonomy: Versioned<Taxonomy>,
    /// One reload at a time: when the cache is cold or stale, the first request reloads and the
    /// others wait for its result instead of all reading the whole corpus at once.
    reloading: tokio::sync::Mutex<()>,
}

impl LabCache {
    /// The practice pool as the database has it now.
    pub async fn pool(&self, db: &Db) -> sqlx::Result<Arc<Pool>> {
        let (corpus, _) = versions(db).await?;
        if let Some(pool) = self.pool.get(corpus) {
            return Ok(pool);
        }
        let _reload = self.reloading.lock().await;
        if let Some(pool) = self.pool.get(corpus) {
            return Ok(pool);
        }
        let pool = Arc::new(Pool::new(store::practice_candidates(db).await?));
        self.pool.put(corpus, pool.clone());
        Ok(pool)
    }

    /// Active intents and emotions as the database has them now.
    pub async fn taxonomy(&self, db: &Db) -> sqlx::Result<Arc<Taxonomy>> {
        let (_, version) = versions(db).await?;
        if let Some(t) = self.taxonomy.get(version) {
            return Ok(t);
        }
        let _reload = self.reloading.lock().await;
        if let Some(t) = self.taxonomy.get(version) {
            return Ok(t);
        }
        let t = Arc::new(Taxonomy {
            intents: taxonomy::store::list(db, LabelKind::Intent).await?,
            emotions: taxonomy::store::list(db, LabelKind::Emotion).await?,
        });
        self.taxonomy.put(version, t.clone());
        Ok(t)
    }
}
