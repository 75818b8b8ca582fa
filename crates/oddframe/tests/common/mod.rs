//! What the parity tests share: reading fixture arrays and the columns of
//! a bundled CSV file.
#![allow(dead_code, clippy::unwrap_used)] // test code; not every test uses all

use serde_json::Value;

/// A fixture's array of numbers.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The named columns of a CSV file under the workspace's `testdata/`, as
/// text, one vector per column, rows in file order.
pub fn testdata_columns(file: &str, names: &[&str]) -> Vec<Vec<String>> {
    let path = format!("{}/../../testdata/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = names
        .iter()
        .map(|n| header.iter().position(|h| h == n).unwrap())
        .collect();
    let mut out = vec![Vec::new(); names.len()];
    for line in lines.filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        for (column, &c) in out.iter_mut().zip(&cols) {
            column.push(fields[c].to_string());
        }
    }
    out
}

/// A numeric column of [`testdata_columns`].
pub fn numbers(column: &[String]) -> Vec<f64> {
    column.iter().map(|v| v.parse().unwrap()).collect()
}
