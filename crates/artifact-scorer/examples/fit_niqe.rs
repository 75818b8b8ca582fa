//! Fits the pristine NIQE model shipped with the crate and writes it as
//! Rust source.
//!
//! ```text
//! cargo run -p artifact-scorer --example fit_niqe -- \
//!     testdata/niqe/*.png testdata/niqe/*.jpg > crates/artifact-scorer/src/niqe/model.rs
//! ```
//!
//! The inputs are listed, with their sources and licences, in
//! `testdata/README.md`; the crate's tests refit the model from them and
//! check that it matches the shipped one.

use std::process::ExitCode;

use artifact_scorer::niqe::{NiqeModel, FEATURES};
use artifact_scorer::Luma;
use oddframe::Frame;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: fit_niqe IMAGE... > model.rs");
        return ExitCode::from(2);
    }
    let mut images = Vec::new();
    for path in &paths {
        match image::open(path) {
            Ok(img) => {
                let frame = Frame::rgb(img.to_rgb8(), 0, Default::default());
                match Luma::from_frame(&frame) {
                    Ok(l) => images.push(l),
                    Err(e) => return fail(path, &e),
                }
            }
            Err(e) => return fail(path, &e),
        }
    }
    let model = match NiqeModel::fit(&images) {
        Ok(m) => m,
        Err(e) => return fail("the images", &e),
    };
    let mut names: Vec<&str> = paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    names.sort_unstable();
    println!(
        "//! The pristine NIQE model: {} patches of {}.",
        model.patches(),
        names.join(", ")
    );
    println!("//! Written by the `fit_niqe` example (see its docs); do not edit.");
    println!("pub(super) const PATCHES: usize = {};", model.patches());
    println!(
        "pub(super) const MEAN: [f64; super::FEATURES] = {:?};",
        model.mean()
    );
    println!("#[rustfmt::skip]");
    println!("pub(super) const COVARIANCE: [[f64; super::FEATURES]; super::FEATURES] = [");
    for row in model.covariance() {
        println!("    {row:?},");
    }
    println!("];");
    eprintln!(
        "fitted {FEATURES} features on {} patches of {} images",
        model.patches(),
        images.len()
    );
    ExitCode::SUCCESS
}

fn fail(what: &str, e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("fit_niqe: {what}: {e}");
    ExitCode::FAILURE
}
