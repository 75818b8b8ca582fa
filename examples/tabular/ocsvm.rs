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
use std::time::Instant;

use ndarray::Array2;
use ocsvm_scaler::{Gamma, OcsvmParams, StandardScaler};
use oddframe::ParamGuard;
use video_features::qoe::CsvTable;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
usage: ocsvm [--train FILE --test FILE | --synthetic NxD] [options]

  --train FILE       numeric CSV with a header row: the normal training rows
                     (default testdata/qoe/live_nflx_ii_train.csv)
  --test FILE        CSV holding (at least) the training columns, matched by name
                     (default testdata/qoe/live_nflx_ii_test.csv)
  --synthetic NxD    instead of files: N(0, 1) training data of N rows and D
                     columns, and --test-rows rows to score
  --test-rows M      rows scored with --synthetic (default 10000)
  --nu X             nu in (0, 1] (default 0.1)
  --gamma G          scale | auto | a number > 0 (default scale)
  --scale            put a StandardScaler in front of the SVM
  --cache-mb M       kernel cache in MiB (default 200)
  --out FILE         write one decision value per test row (header: decision)
";

struct Options {
    train: PathBuf,
    test: PathBuf,
    synthetic: Option<(usize, usize)>,
    test_rows: usize,
    nu: f64,
    gamma: Gamma,
    scale: bool,
    cache_mb: usize,
    out: Option<PathBuf>,
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/qoe")
        .join(name)
}

fn parse_args() -> AnyResult<Options> {
    let mut o = Options {
        train: testdata("live_nflx_ii_train.csv"),
        test: testdata("live_nflx_ii_test.csv"),
        synthetic: None,
        test_rows: 10_000,
        nu: 0.1,
        gamma: Gamma::Scale,
        scale: false,
        cache_mb: 200,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            "--scale" => {
                o.scale = true;
                continue;
            }
            _ => {}
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)"))?;
        match flag.as_str() {
            "--train" => o.train = value.into(),
            "--test" => o.test = value.into(),
            "--synthetic" => o.synthetic = Some(parse_shape(&value)?),
            "--test-rows" => o.test_rows = value.parse()?,
            "--nu" => o.nu = value.parse()?,
            "--gamma" => {
                o.gamma = match value.as_str() {
                    "scale" => Gamma::Scale,
                    "auto" => Gamma::Auto,
                    v => Gamma::Value(v.parse()?),
                }
            }
            "--cache-mb" => o.cache_mb = value.parse()?,
            "--out" => o.out = Some(value.into()),
            _ => return Err(format!("unknown option {flag} (see --help)").into()),
        }
    }
    Ok(o)
}

fn parse_shape(v: &str) -> AnyResult<(usize, usize)> {
    let (n, d) = v
        .split_once('x')
        .ok_or_else(|| format!("--synthetic {v:?}: expected NxD, e.g. 10000x512"))?;
    Ok((n.parse()?, d.parse()?))
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

fn load(o: &Options) -> AnyResult<(Array2<f64>, Array2<f64>, Vec<String>)> {
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

fn run(o: &Options) -> AnyResult<()> {
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
    println!(
        "{{\"n_sv\":{},\"rho\":{},\"fit_s\":{fit_s},\"score_s\":{score_s},\"iterations\":{},\
         \"n_train\":{},\"n_test\":{},\"n_features\":{},\"gamma\":{},\"outliers\":{outliers}}}",
        svm.support().len(),
        svm.rho(),
        info.iterations,
        ztr.nrows(),
        decision.len(),
        ztr.ncols(),
        svm.gamma()
    );
    Ok(())
}

/// The process's peak resident memory (Linux `VmHWM`), in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let result = parse_args().and_then(|o| run(&o));
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
