-- Certifications (defined by instructors) and the certificates issued to trainees who meet them.
-- A definition's requirement parts are optional columns: no lab window means no lab requirement, no
-- exam quiz means no exam. Certificates carry a public verification code.
CREATE TABLE certifications (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    description_zh TEXT NOT NULL DEFAULT '',
    lab_window BIGINT,
    lab_accuracy DOUBLE PRECISION,
    lab_intent_percent DOUBLE PRECISION,
    lab_intent_min_items BIGINT,
    exam_quiz_id BIGINT REFERENCES quizzes(id),
    exam_pass_percent DOUBLE PRECISION,
    validity_months BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE certification_courses (
    certification_id BIGINT NOT NULL REFERENCES certifications(id),
    course_id BIGINT NOT NULL REFERENCES courses(id),
    PRIMARY KEY (certification_id, course_id)
);

CREATE TABLE certificates (
    id BIGSERIAL PRIMARY KEY,
    certification_id BIGINT NOT NULL REFERENCES certifications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    code TEXT NOT NULL UNIQUE,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES users(id),
    revoke_reason TEXT,
    -- 1 while this certificate holds the trainee's one place for the certification; cleared only when
    -- an expired certificate is replaced, so two requests at once cannot both issue one.
    active BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX certificates_active ON certificates(certification_id, user_id) WHERE active = 1;
CREATE INDEX certificates_user ON certificates(user_id);
CREATE INDEX certificates_expiry ON certificates(expires_at);
