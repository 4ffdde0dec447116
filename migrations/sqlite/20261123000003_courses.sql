-- Courses, modules, lessons with per-language versions, content file hashes, trainee progress and
-- answers to in-lesson checks. A lesson's current text in a language is its highest version.
CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    prerequisites TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

CREATE TABLE course_modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses(id),
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    UNIQUE (course_id, slug)
);

CREATE TABLE lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses(id),
    module_id INTEGER NOT NULL REFERENCES course_modules(id),
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    published INTEGER NOT NULL DEFAULT 1,
    UNIQUE (course_id, slug)
);

CREATE TABLE lesson_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id INTEGER NOT NULL REFERENCES lessons(id),
    locale TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    tags TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('file', 'editor', 'restore')),
    author_id INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (lesson_id, locale, version)
);

CREATE TABLE content_files (
    path TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

CREATE TABLE lesson_progress (
    user_id INTEGER NOT NULL REFERENCES users(id),
    lesson_id INTEGER NOT NULL REFERENCES lessons(id),
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (user_id, lesson_id)
);

CREATE TABLE check_answers (
    user_id INTEGER NOT NULL REFERENCES users(id),
    lesson_id INTEGER NOT NULL REFERENCES lessons(id),
    check_id TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson_id, check_id)
);
