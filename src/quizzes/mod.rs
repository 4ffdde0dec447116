//! Quizzes: the question bank and assessments. GIFT import/export lives in gift.rs.

pub mod gift;
