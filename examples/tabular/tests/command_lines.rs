//! Every command-line example's argument definitions are consistent
//! (clap's `debug_assert`): each example is compiled here as a module, and
//! the `tests` module at its end runs with this test binary. (`cargo test`
//! does not run an example's own tests, and `test = true` would stop it
//! building the example as a program.)

#[path = "../qoe_fisvdd.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod qoe_fisvdd;

#[path = "../ocsvm.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod ocsvm;

#[path = "../qoe_stream.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod qoe_stream;

#[path = "../score_events.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod score_events;
