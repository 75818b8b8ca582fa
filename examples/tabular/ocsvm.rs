//! One-class SVM on numeric CSV tables: fit on normal rows, score others.
//!
//! ```text
//! cargo run --release --example ocsvm                       # bundled QoE windows
//! cargo run --release --example ocsvm -- --train A.csv --test B.csv --nu 0.1 --scale --out scores.csv
//! cargo run --release --example ocsvm -- --synthetic 10000x512   # timing on N(0, 1) data
//! cargo run --release --example ocsvm -- --help
//! ```
//!
//! Prints the model and timings, writes one decision value per test row with
//! `--out`, and ends with one JSON line.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use ndarray::Array2;
use ocsvm_scaler::{Gamma, OcsvmParams, StandardScaler};
use oddframe::ParamGuard;
use oddframe_examples_common::{peak_memory_mib, print_json_line, testdata};
use oddframe_examples_tabular::{parse_gamma, AnyResult};
use serde::Serialize;
use video_features::qoe::CsvTable;

/// Fit a one-class SVM on normal rows of a numeric CSV table and score others.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Numeric CSV with a header row: the normal training rows.
    #[arg(long, value_name = "FILE", default_value_os_t = testdata("qoe/live_nflx_ii_train.csv"))]
    train: PathBuf,
    /// CSV holding (at least) the training columns, matched by name.
    #[arg(long, value_name = "FILE", default_value_os_t = testdata("qoe/live_nflx_ii_test.csv"))]
    test: PathBuf,
    /// Instead of files: N(0, 1) training data of N rows and D columns, and
    /// --test-rows rows to score.
    #[arg(long, value_name = "NxD", value_parser = parse_shape, conflicts_with_all = ["train", "test"])]
    synthetic: Option<(usize, usize)>,
    /// Rows scored with --synthetic.
    #[arg(long, value_name = "M", default_value_t = 10_000)]
    test_rows: usize,
    /// nu in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    nu: f64,
    /// scale, auto, or a number > 0.
    #[arg(long, default_value = "scale", value_parser = parse_gamma)]
    gamma: Gamma,
    /// Put a StandardScaler in front of the SVM.
    #[arg(long)]
    scale: bool,
    /// Kernel cache in MiB.
    #[arg(long, value_name = "M", default_value_t = 200)]
    cache_mb: usize,
    /// Write one decision value per test row (header: decision).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The closing JSON line.
#[derive(Serialize)]
struct Summary {
    n_sv: usize,
    rho: f64,
    fit_s: f64,
    score_s: f64,
    iterations: u64,
    n_train: usize,
    n_test: usize,
    n_features: usize,
    gamma: f64,
    outliers: usize,
}

fn parse_shape(v: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{v:?}: expected NxD, e.g. 10000x512");
    let (n, d) = v.split_once('x').ok_or_else(bad)?;
    Ok((n.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?))
}

/// N(0, 1) samples (Box-Muller on a splitmix64 stream).
fn gaussian(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / 9_007_199_254_740_992.0
    };
    Array2::from_shape_simple_fn((n, d), || {
        let (u, v) = (1.0 - uniform(), uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    })
}

fn load(o: &Cli) -> AnyResult<(Array2<f64>, Array2<f64>, Vec<String>)> {
    if let Some((n, d)) = o.synthetic {
        let names = (0..d).map(|j| format!("x{j}")).collect();
        return Ok((gaussian(n, d, 1), gaussian(o.test_rows, d, 2), names));
    }
    let train = CsvTable::from_path(&o.train)?;
    let names: Vec<String> = train.header().to_vec();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let xtr = train.matrix(&refs)?;
    let xte = CsvTable::from_path(&o.test)?.matrix(&refs)?;
    Ok((xtr, xte, names))
}

fn run(o: &Cli) -> AnyResult<()> {
    let (xtr, xte, names) = load(o)?;
    println!(
        "train {} x {}, test {} rows, nu {}, gamma {:?}, scaler {}",
        xtr.nrows(),
        xtr.ncols(),
        xte.nrows(),
        o.nu,
        o.gamma,
        if o.scale { "on" } else { "off" }
    );
    let params = OcsvmParams::new()
        .nu(o.nu)
        .gamma(o.gamma)
        .cache_bytes(o.cache_mb << 20)
        .check()?;

    let t0 = Instant::now();
    let scaler = if o.scale {
        Some(StandardScaler::fit(xtr.view())?)
    } else {
        None
    };
    let ztr = match &scaler {
        Some(s) => s.transform(xtr.view())?,
        None => xtr,
    };
    let svm = params.fit(ztr.view())?;
    let fit_s = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let zte = match &scaler {
        Some(s) => s.transform(xte.view())?,
        None => xte,
    };
    let decision = svm.decision_function(zte.view())?;
    let score_s = t1.elapsed().as_secs_f64();

    let outliers = decision.iter().filter(|&&d| d <= 0.0).count();
    let info = svm.fit_info();
    println!("features        {}", names.join(","));
    println!("gamma           {:.6}", svm.gamma());
    println!(
        "support vectors {} ({:.1} % of training rows)",
        svm.support().len(),
        100.0 * svm.support().len() as f64 / ztr.nrows() as f64
    );
    println!("rho             {:.6}", svm.rho());
    println!(
        "solver          {} iterations, {} kernel columns computed, gap {:.2e}",
        info.iterations, info.kernel_columns, info.gap
    );
    println!("fit             {fit_s:.3} s");
    println!(
        "decision        {score_s:.3} s for {} rows ({:.2} us/row), {outliers} outside (decision <= 0)",
        decision.len(),
        1e6 * score_s / decision.len().max(1) as f64
    );
    match peak_memory_mib() {
        Some(mib) => println!(
            "peak memory     {mib:.1} MiB (process high-water mark; kernel cache limit {} MiB)",
            o.cache_mb
        ),
        None => println!("peak memory     unavailable on this platform"),
    }
    if let Some(path) = &o.out {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(w, "decision")?;
        for d in &decision {
            writeln!(w, "{d}")?;
        }
        w.flush()?;
        println!("wrote           {}", path.display());
    }
    print_json_line(&Summary {
        n_sv: svm.support().len(),
        rho: svm.rho(),
        fit_s,
        score_s,
        iterations: info.iterations,
        n_train: ztr.nrows(),
        n_test: decision.len(),
        n_features: ztr.ncols(),
        gamma: svm.gamma(),
        outliers,
    })?;
    Ok(())
}

fn main() -> ExitCode {
    match run(&Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
