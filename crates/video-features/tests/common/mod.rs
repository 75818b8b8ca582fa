//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

/// A file in the workspace's `testdata/video`.
pub fn path(name: &str) -> String {
    format!("{}/../../testdata/video/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `key:value` fields of each line of an ffmpeg stats file.
pub fn stats(name: &str, keys: &[&str]) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path(name))
        .unwrap()
        .lines()
        .map(|line| {
            keys.iter()
                .map(|k| {
                    let at = line.find(&format!("{k}:")).unwrap() + k.len() + 1;
                    line[at..]
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap()
                })
                .collect()
        })
        .collect()
}
