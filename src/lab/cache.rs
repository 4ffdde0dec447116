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
    /// The value of `slot` at `version`, loading it (once, however many requests ask) if stale.
    async fn cached<T>(
        &self,
        slot: &Versioned<T>,
        version: i64,
        load: impl Future<Output = sqlx::Result<T>>,
    ) -> sqlx::Result<Arc<T>> {
        if let Some(value) = slot.get(version) {
            return Ok(value);
        }
        let _reload = self.reloading.lock().await;
        if let Some(value) = slot.get(version) {
            return Ok(value);
        }
        let value = Arc::new(load.await?);
        slot.put(version, value.clone());
        Ok(value)
    }

    /// The practice pool as the database has it now.
    pub async fn pool(&self, db: &Db) -> sqlx::Result<Arc<Pool>> {
        let (corpus, _) = versions(db).await?;
        self.cached(&self.pool, corpus, async {
            Ok(Pool::new(store::practice_candidates(db).await?))
        })
        .await
    }

    /// Active intents and emotions as the database has them now.
    pub async fn taxonomy(&self, db: &Db) -> sqlx::Result<Arc<Taxonomy>> {
        let (_, version) = versions(db).await?;
        self.cached(&self.taxonomy, version, async {
            Ok(Taxonomy {
                intents: taxonomy::store::list(db, LabelKind::Intent).await?,
                emotions: taxonomy::store::list(db, LabelKind::Emotion).await?,
            })
        })
        .await
    }
}
