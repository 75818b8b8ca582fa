//! What the example programs share (not a published library): paths of the
//! bundled test data, the process's peak memory, the one JSON line every
//! command-line example ends with, and the options and outputs of events.

use std::path::PathBuf;

pub mod events;

/// A file of the workspace's `testdata/` folder, e.g. `testdata("qoe/live_nflx_ii_train.csv")`.
pub fn testdata(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(relative)
}

/// The process's peak resident memory (Linux `VmHWM`), in MiB; `None`
/// where the platform does not report it.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Prints `value` as one line of JSON on standard output (the line scripts
/// and tests read).
///
/// # Errors
/// When `value` cannot be represented as JSON.
pub fn print_json_line<T: serde::Serialize>(value: &T) -> Result<(), serde_json::Error> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// The median of `values` (the upper one of the middle pair); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// The workspace README's code, run as a doc test so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
