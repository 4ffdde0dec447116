-- Calibration sessions: a supervisor has a group of trainees label the same messages blind, then
-- compares their labels (agreement statistics) and notes what to discuss, item by item.
CREATE TABLE calibration_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    created_by INTEGER REFERENCES users(id),
    -- How the messages were chosen, as the supervisor gave it (shown on the report).
    selection TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX calibration_sessions_team ON calibration_sessions(team_id);

CREATE TABLE calibration_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    -- The supervisor's discussion notes on this item.
    notes TEXT NOT NULL DEFAULT '',
    notes_by INTEGER REFERENCES users(id),
    notes_at BIGINT,
    UNIQUE (session_id, position),
    UNIQUE (session_id, message_id)
);

CREATE TABLE calibration_members (
    session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX calibration_members_user ON calibration_members(user_id);

-- One answer per trainee and item; a skipped item is a row whose labels are all NULL.
CREATE TABLE calibration_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
    item_id INTEGER NOT NULL REFERENCES calibration_items(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    intent TEXT,
    emotion TEXT,
    escalate INTEGER,
    answered_at BIGINT NOT NULL,
    UNIQUE (session_id, item_id, user_id)
);
CREATE INDEX calibration_answers_user ON calibration_answers(user_id, session_id);
