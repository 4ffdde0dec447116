-- Quizzes speak both languages of the site: a Simplified Chinese title and introduction beside
-- the English ones (empty: the English text is shown).
ALTER TABLE quizzes ADD COLUMN title_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE quizzes ADD COLUMN intro_zh TEXT NOT NULL DEFAULT '';
