//! Data that every request reads but that changes rarely (the practice pool, the taxonomy) is kept
//! in memory and revalidated against a version counter in the database: one primary-key read per
//! request instead of reloading the data, and correct with several app processes on one database
//! because every writer bumps the counter in the same transaction as its change.

use std::sync::{Arc, RwLock};

use sqlx::{Any, Executor, Row};

use super::Db;

/// What a counter covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// The messages table: texts, gold labels, splits.
    Corpus,
    /// Intents and emotions.
    Taxonomy,
}

impl Topic {
    fn key(self) -> &'static str {
        match self {
            Topic::Corpus => "corpus",
            Topic::Taxonomy => "taxonomy",
        }
    }
}

/// Marks `topic` as changed; call inside the transaction that changes it.
pub async fn bump<'c, E: Executor<'c, Database = Any>>(
    executor: E,
    topic: Topic,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE cache_versions SET version = version + 1 WHERE name = $1")
        .bind(topic.key())
        .execute(executor)
        .await?;
    Ok(())
}

/// The current counters, (corpus, taxonomy).
pub async fn versions(db: &Db) -> sqlx::Result<(i64, i64)> {
    let rows = sqlx::query("SELECT name, version FROM cache_versions")
        .fetch_all(&db.pool)
        .await?;
    let (mut corpus, mut taxonomy) = (0, 0);
    for r in rows {
        let name: String = r.try_get("name")?;
        let version: i64 = r.try_get("version")?;
        match name.as_str() {
            "corpus" => corpus = version,
            "taxonomy" => taxonomy = version,
            _ => {}
        }
    }
    Ok((corpus, taxonomy))
}

/// One cached value and the version it was loaded at.
pub struct Versioned<T> {
    slot: RwLock<Option<(i64, Arc<T>)>>,
}

impl<T> Default for Versioned<T> {
    fn default() -> Self {
        Versioned {
            slot: RwLock::new(None),
        }
    }
}

impl<T> Versioned<T> {
    /// The cached value if it was loaded at `version`.
    pub fn get(&self, version: i64) -> Option<Arc<T>> {
        let slot = self.slot.read().ok()?;
        slot.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, version: i64, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.write() {
            // Two requests may reload at once; keep the newer.
            if slot.as_ref().is_none_or(|(v, _)| *v <= version) {
                *slot = Some((version, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_value_is_only_served_for_its_version() {
        let cache: Versioned<Vec<i32>> = Versioned::default();
        assert!(cache.get(1).is_none());
        cache.put(1, Arc::new(vec![1]));
        assert_eq!(*cache.get(1).unwrap(), vec![1]);
        assert!(cache.get(2).is_none());
        cache.put(3, Arc::new(vec![3]));
        // A slower reload of an older version does not overwrite a newer one.
        cache.put(2, Arc::new(vec![2]));
        assert_eq!(*cache.get(3).unwrap(), vec![3]);
    }
}
