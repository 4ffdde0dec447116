-- The question bank: hierarchical categories (Moodle paths such as "intentdojo/final-exam/intent"),
-- questions identified by category and name, and immutable versions: editing or re-importing a
-- changed question adds a version, so past attempts keep the one they answered.
CREATE TABLE question_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id INTEGER NOT NULL REFERENCES question_categories(id),
    name TEXT NOT NULL,
    qtype TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (category_id, name)
);

CREATE TABLE question_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    UNIQUE (question_id, version)
);
