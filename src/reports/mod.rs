//! Reports: dashboards (dashboard.rs: figures and rules, store.rs: SQL, routes.rs: pages, charts.rs:
//! SVG charts) and the statistics behind them (agreement.rs: Cohen, Fleiss, Krippendorff).

pub mod agreement;
pub mod charts;
pub mod dashboard;
pub mod history;
pub mod routes;
pub mod store;
