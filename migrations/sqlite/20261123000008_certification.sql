-- Certifications (defined by instructors) and the certificates issued to trainees who meet them.
-- A definition's requirement parts are optional columns: no lab window means no lab requirement, no
-- exam quiz means no exam. Certificates carry a public verification code.
CREATE TABLE certifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    description_zh TEXT NOT NULL DEFAULT '',
    lab_window INTEGER,
    lab_accuracy REAL,
    lab_intent_percent REAL,
    lab_intent_min_items INTEGER,
    exam_quiz_id INTEGER REFERENCES quizzes(id),
    exam_pass_percent REAL,
    validity_months INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE certification_courses (
    certification_id INTEGER NOT NULL REFERENCES certifications(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    PRIMARY KEY (certification_id, course_id)
);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    certification_id INTEGER NOT NULL REFERENCES certifications(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    code TEXT NOT NULL UNIQUE,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by INTEGER REFERENCES users(id),
    revoke_reason TEXT,
    -- 1 while this certificate holds the trainee's one place for the certification; cleared only when
    -- an expired certificate is replaced, so two requests at once cannot both issue one.
    active INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX certificates_active ON certificates(certification_id, user_id) WHERE active = 1;
CREATE INDEX certificates_user ON certificates(user_id);
CREATE INDEX certificates_expiry ON certificates(expires_at);
