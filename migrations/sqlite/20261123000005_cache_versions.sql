-- Version counters of data that app processes cache in memory (the lab's practice pool, the
-- taxonomy). Every write to that data bumps its counter in the same transaction; a process compares
-- one small row per request instead of reloading the data, and several processes stay consistent.
CREATE TABLE cache_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO cache_versions (name, version) VALUES ('corpus', 1);
INSERT INTO cache_versions (name, version) VALUES ('taxonomy', 1);
