//! Helpers shared by the video examples (`cargo run --release --example
//! video_info`, `--example embedding_ocsvm`): the bundled videos, and the
//! process's peak memory.

use std::path::PathBuf;

/// A file of the workspace's `testdata/video`.
pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/video")
        .join(name)
}

pub use oddframe_examples_common::peak_memory_mib;
