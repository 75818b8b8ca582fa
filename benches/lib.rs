//! Benchmarks only: run `cargo bench` from the workspace root.
