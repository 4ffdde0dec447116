//! The reference classifier: multinomial naive Bayes (linfa-bayes) over hashed word and character
//! n-gram counts. It grades lab answers where no gold label exists, when it is confident enough, and
//! explains its view with the words that pushed it there.

pub mod eval;
pub mod features;
pub mod model;
pub mod reference;
