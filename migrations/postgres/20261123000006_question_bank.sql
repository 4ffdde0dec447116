-- The question bank: hierarchical categories (Moodle paths such as "intentdojo/final-exam/intent"),
-- questions identified by category and name, and immutable versions: editing or re-importing a
-- changed question adds a version, so past attempts keep the one they answered.
CREATE TABLE question_categories (
    id BIGSERIAL PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE questions (
    id BIGSERIAL PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES question_categories(id),
    name TEXT NOT NULL,
    qtype TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (category_id, name)
);

CREATE TABLE question_versions (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    UNIQUE (question_id, version)
);
