-- The labeling lab: the message corpus (gold labels optional), trainee answers with the reference
-- they were graded against, flags on references, and stored classifier evaluations.
CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    platform TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',
    gold_intent TEXT,
    gold_emotion TEXT,
    gold_escalate BIGINT,
    rationale_en TEXT NOT NULL DEFAULT '',
    rationale_zh TEXT NOT NULL DEFAULT '',
    split TEXT NOT NULL DEFAULT 'practice' CHECK (split IN ('practice', 'exam')),
    hard BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_split ON messages(split);

CREATE TABLE lab_answers (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    message_id BIGINT NOT NULL REFERENCES messages(id),
    fields TEXT NOT NULL,
    given_intent TEXT,
    given_emotion TEXT,
    given_escalate BIGINT,
    ref_source TEXT NOT NULL CHECK (ref_source IN ('gold', 'classifier', 'pending')),
    ref_intent TEXT,
    ref_emotion TEXT,
    ref_escalate BIGINT,
    intent_correct BIGINT,
    emotion_correct BIGINT,
    escalate_correct BIGINT,
    correct BIGINT,
    classifier_intent TEXT,
    classifier_confidence DOUBLE PRECISION,
    millis BIGINT NOT NULL,
    answered_at BIGINT NOT NULL
);
CREATE INDEX lab_answers_user ON lab_answers(user_id, answered_at);
CREATE INDEX lab_answers_message ON lab_answers(message_id);

CREATE TABLE lab_flags (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    message_id BIGINT NOT NULL REFERENCES messages(id),
    answer_id BIGINT REFERENCES lab_answers(id),
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by BIGINT REFERENCES users(id)
);
CREATE INDEX lab_flags_open ON lab_flags(resolved_at);

CREATE TABLE classifier_models (
    id BIGSERIAL PRIMARY KEY,
    field TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    trained_by BIGINT REFERENCES users(id),
    n_train BIGINT NOT NULL,
    n_test BIGINT NOT NULL,
    accuracy DOUBLE PRECISION NOT NULL,
    macro_f1 DOUBLE PRECISION NOT NULL,
    train_seconds DOUBLE PRECISION NOT NULL,
    report TEXT NOT NULL
);
