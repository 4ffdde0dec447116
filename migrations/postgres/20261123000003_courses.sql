-- Courses, modules, lessons with per-language versions, content file hashes, trainee progress and
-- answers to in-lesson checks. A lesson's current text in a language is its highest version.
CREATE TABLE courses (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    position BIGINT NOT NULL,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    prerequisites TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

CREATE TABLE course_modules (
    id BIGSERIAL PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id),
    slug TEXT NOT NULL,
    position BIGINT NOT NULL,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    UNIQUE (course_id, slug)
);

CREATE TABLE lessons (
    id BIGSERIAL PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id),
    module_id BIGINT NOT NULL REFERENCES course_modules(id),
    slug TEXT NOT NULL,
    position BIGINT NOT NULL,
    published BIGINT NOT NULL DEFAULT 1,
    UNIQUE (course_id, slug)
);

CREATE TABLE lesson_versions (
    id BIGSERIAL PRIMARY KEY,
    lesson_id BIGINT NOT NULL REFERENCES lessons(id),
    locale TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    tags TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('file', 'editor', 'restore')),
    author_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (lesson_id, locale, version)
);

CREATE TABLE content_files (
    path TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

CREATE TABLE lesson_progress (
    user_id BIGINT NOT NULL REFERENCES users(id),
    lesson_id BIGINT NOT NULL REFERENCES lessons(id),
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (user_id, lesson_id)
);

CREATE TABLE check_answers (
    user_id BIGINT NOT NULL REFERENCES users(id),
    lesson_id BIGINT NOT NULL REFERENCES lessons(id),
    check_id TEXT NOT NULL,
    choice BIGINT NOT NULL,
    correct BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 1,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson_id, check_id)
);
