-- The labeling taxonomy: intents and emotions, seeded from content/taxonomy.toml, extensible in the app.
CREATE TABLE taxonomy_labels (
    kind TEXT NOT NULL CHECK (kind IN ('intent', 'emotion')),
    key TEXT NOT NULL,
    label_en TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    definition_en TEXT NOT NULL,
    definition_zh TEXT NOT NULL,
    position INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, key)
);
