//! Reports: dashboards and the statistics behind them (agreement.rs: Cohen, Fleiss, Krippendorff).

pub mod agreement;
