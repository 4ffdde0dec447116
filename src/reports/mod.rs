//! Reports: dashboards (charts.rs: SVG charts) and the statistics behind them (agreement.rs: Cohen,
//! Fleiss, Krippendorff).

pub mod agreement;
pub mod charts;
