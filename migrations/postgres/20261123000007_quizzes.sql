-- Quizzes and attempts. A quiz's settings are one JSON document (quizzes::quiz::QuizSettings) so
-- new settings need no migration. An attempt fixes its questions and their versions when it starts
-- (one row per slot), so editing the bank later never changes what a trainee answered.
CREATE TABLE quizzes (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE quiz_attempts (
    id BIGSERIAL PRIMARY KEY,
    quiz_id BIGINT NOT NULL REFERENCES quizzes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    attempt_no BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    deadline_at BIGINT,
    submitted_at BIGINT,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'finished')),
    marks DOUBLE PRECISION,
    max_marks DOUBLE PRECISION NOT NULL,
    needs_grading BIGINT NOT NULL DEFAULT 0,
    UNIQUE (quiz_id, user_id, attempt_no)
);
-- At most one open attempt per trainee and quiz: two tabs starting at once get the same one.
CREATE UNIQUE INDEX quiz_attempts_open ON quiz_attempts(quiz_id, user_id) WHERE state = 'in_progress';
CREATE INDEX quiz_attempts_deadline ON quiz_attempts(state, deadline_at);

CREATE TABLE attempt_slots (
    attempt_id BIGINT NOT NULL REFERENCES quiz_attempts(id),
    slot BIGINT NOT NULL,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    question_version BIGINT NOT NULL,
    max_mark DOUBLE PRECISION NOT NULL,
    response TEXT,
    saved_at BIGINT,
    checked BIGINT NOT NULL DEFAULT 0,
    fraction DOUBLE PRECISION,
    manual_fraction DOUBLE PRECISION,
    grader_id BIGINT REFERENCES users(id),
    grader_comment TEXT NOT NULL DEFAULT '',
    graded_at BIGINT,
    PRIMARY KEY (attempt_id, slot)
);
CREATE INDEX attempt_slots_question ON attempt_slots(question_id);
