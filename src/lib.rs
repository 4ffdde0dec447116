//! intentdojo: trains cross-border e-commerce customer-service staff to read buyer messages right.

pub mod accounts;
pub mod app;
pub mod calibration;
pub mod certification;
pub mod classifier;
pub mod cli;
pub mod config;
pub mod courses;
pub mod csv;
pub mod db;
pub mod lab;
pub mod memory;
pub mod quizzes;
pub mod reports;
pub mod taxonomy;
pub mod web;
