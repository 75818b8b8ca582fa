//! Benchmarks only: run `cargo bench --bench autoencoder` from the workspace root.
