//! `intentdojo agreement FILE.csv [--json]` run as a user would, on published data and broken files.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": nominal data, 4 observers,
/// 12 units, some values missing (a missing value is simply no row); α_nominal = 0.743.
const KRIPPENDORFF_2011: [[Option<u8>; 4]; 12] = [
    [Some(1), Some(1), None, Some(1)],
    [Some(2), Some(2), Some(3), Some(2)],
    [Some(3), Some(3), Some(3), Some(3)],
    [Some(3), Some(3), Some(3), Some(3)],
    [Some(2), Some(2), Some(2), Some(2)],
    [Some(1), Some(2), Some(3), Some(4)],
    [Some(4), Some(4), Some(4), Some(4)],
    [Some(1), Some(1), Some(2), Some(1)],
    [Some(2), Some(2), Some(2), Some(2)],
    [None, Some(5), Some(5), Some(5)],
    [None, None, Some(1), Some(1)],
    [None, Some(3), None, None],
];

/// The example as a CSV with CRLF line ends and quoted fields, as spreadsheets export it.
fn krippendorff_csv() -> String {
    let mut csv = String::from("item,rater,label\r\n");
    for (unit, values) in KRIPPENDORFF_2011.iter().enumerate() {
        for (rater, value) in ["A", "B", "C", "D"].iter().zip(values) {
            if let Some(v) = value {
                csv.push_str(&format!("\"unit {}\",{rater},\"{v}\"\r\n", unit + 1));
            }
        }
    }
    csv
}

fn agreement(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_intentdojo"))
        .arg("agreement")
        .arg(file)
        .args(extra)
        .output()
        .expect("the intentdojo binary runs")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn three_decimals(value: &Value) -> String {
    format!("{:.3}", value.as_f64().expect("a number"))
}

#[test]
fn json_reports_the_published_krippendorff_example() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "krippendorff.csv", &krippendorff_csv());
    let out = agreement(&file, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");

    assert_eq!(json["n_items"], 12);
    assert_eq!(json["n_raters"], 4);
    assert_eq!(three_decimals(&json["krippendorff_alpha"]), "0.743");
    // Fleiss needs equal counts: units 2 to 9 have 4 ratings, the most common count.
    assert!(json["fleiss_kappa"].is_f64());
    assert_eq!(json["fleiss_items"], 8);

    let pairwise = json["pairwise"].as_array().expect("pairwise is a list");
    assert_eq!(pairwise.len(), 6, "every pair of 4 raters");
    let ab = &pairwise[0];
    assert_eq!(
        (ab["rater_a"].as_str(), ab["rater_b"].as_str()),
        (Some("A"), Some("B"))
    );
    assert_eq!(ab["n"], 9);
    // A and B agree on 8 of 9 units: κ = (9·8 − 23) / (81 − 23) = 49/58.
    assert_eq!(three_decimals(&ab["cohen_kappa"]), "0.845");
    for pair in pairwise {
        for key in ["rater_a", "rater_b", "cohen_kappa", "n"] {
            assert!(
                pair.get(key).is_some(),
                "pairwise entry lacks {key}: {pair}"
            );
        }
    }
    assert_eq!(json["most_disagreement"][0]["item"], "unit 6");
}

#[test]
fn the_table_shows_the_statistics_and_a_rule_of_thumb() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "krippendorff.csv", &krippendorff_csv());
    let out = agreement(&file, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "items                12",
        "raters               4",
        "Krippendorff's α     0.743",
        "over the 8 of 12 items with 4 ratings",
        "0.845",
        "Landis & Koch",
        "rule of thumb",
        "α 0.743 is substantial",
        "unit 6",
    ] {
        assert!(
            table.contains(expected),
            "missing {expected:?} in:\n{table}"
        );
    }
}

#[test]
fn a_malformed_line_fails_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "broken.csv",
        "item,rater,label\nm1,ana,refund\nm1,bo,\"not \"\"as\"\" described\"\nm2,ana\n",
    );
    let out = agreement(&file, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.csv"), "{stderr}");
    assert!(
        stderr.contains("line 4: expected 3 fields like the header, found 2"),
        "{stderr}"
    );
}

#[test]
fn missing_columns_and_unreadable_files_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "coders.csv", "item,coder,label\nm1,ana,refund\n");
    let out = agreement(&file, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lacks the column(s) rater"), "{stderr}");

    let out = agreement(&dir.path().join("absent.csv"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read") && stderr.contains("absent.csv"),
        "{stderr}"
    );
}
