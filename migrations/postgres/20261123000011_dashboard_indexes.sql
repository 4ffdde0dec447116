-- Dashboards: covering indexes for the team table's aggregates, so they read the index alone
-- instead of every answer row. (user_id, answered_at, ...) serves accuracy over 7 / 30 days / all,
-- the 30-day median time, the weakest intent and the weekly trend; (user_id, ref_intent, ...) serves
-- the confusion matrix. Measured on 500,000 answers: see README "Dashboards".
CREATE INDEX lab_answers_dashboard ON lab_answers(user_id, answered_at, correct, intent_correct, ref_intent, millis);
CREATE INDEX lab_answers_confusion ON lab_answers(user_id, ref_intent, given_intent, intent_correct);
