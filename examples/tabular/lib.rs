//! Examples only: run `cargo run --release --example qoe_fisvdd`.
