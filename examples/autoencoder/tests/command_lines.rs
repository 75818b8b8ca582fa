//! Every command-line example's argument definitions are consistent
//! (clap's `debug_assert`): each example is compiled here as a module, and
//! the `tests` module at its end runs with this test binary. (`cargo test`
//! does not run an example's own tests, and `test = true` would stop it
//! building the example as a program.)

#[path = "../surveillance_autoencoder.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod surveillance_autoencoder;

#[path = "../stream_monitor.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod stream_monitor;

#[path = "../ucsd_ped2.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod ucsd_ped2;
