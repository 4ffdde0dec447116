-- The labeling lab: the message corpus (gold labels optional), trainee answers with the reference
-- they were graded against, flags on references, and stored classifier evaluations.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    platform TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',
    gold_intent TEXT,
    gold_emotion TEXT,
    gold_escalate INTEGER,
    rationale_en TEXT NOT NULL DEFAULT '',
    rationale_zh TEXT NOT NULL DEFAULT '',
    split TEXT NOT NULL DEFAULT 'practice' CHECK (split IN ('practice', 'exam')),
    hard INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_split ON messages(split);

CREATE TABLE lab_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    message_id INTEGER NOT NULL REFERENCES messages(id),
    fields TEXT NOT NULL,
    given_intent TEXT,
    given_emotion TEXT,
    given_escalate INTEGER,
    ref_source TEXT NOT NULL CHECK (ref_source IN ('gold', 'classifier', 'pending')),
    ref_intent TEXT,
    ref_emotion TEXT,
    ref_escalate INTEGER,
    intent_correct INTEGER,
    emotion_correct INTEGER,
    escalate_correct INTEGER,
    correct INTEGER,
    classifier_intent TEXT,
    classifier_confidence REAL,
    millis INTEGER NOT NULL,
    answered_at BIGINT NOT NULL
);
CREATE INDEX lab_answers_user ON lab_answers(user_id, answered_at);
CREATE INDEX lab_answers_message ON lab_answers(message_id);

CREATE TABLE lab_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    message_id INTEGER NOT NULL REFERENCES messages(id),
    answer_id INTEGER REFERENCES lab_answers(id),
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by INTEGER REFERENCES users(id)
);
CREATE INDEX lab_flags_open ON lab_flags(resolved_at);

CREATE TABLE classifier_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    field TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    trained_by INTEGER REFERENCES users(id),
    n_train INTEGER NOT NULL,
    n_test INTEGER NOT NULL,
    accuracy REAL NOT NULL,
    macro_f1 REAL NOT NULL,
    train_seconds REAL NOT NULL,
    report TEXT NOT NULL
);
