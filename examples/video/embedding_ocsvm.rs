//! The one-class video pipeline: sample frames every 500 ms, embed them
//! (HSV histogram, HOG-style gradients, motion energy), fit a scaler and a
//! one-class SVM on normal videos, and score every sampled test frame.
//!
//! ```text
//! cargo run --release --example embedding_ocsvm        # bundled vtest.avi, see below
//! cargo run --release --example embedding_ocsvm -- --normal A.mp4 B.mp4 --test C.mp4 [--nu 0.1]
//! ```
//!
//! With no arguments: the first half of OpenCV's `vtest.avi` (0-39.75 s)
//! is normal; the test set is the second half (label normal) plus a
//! constructed anomaly (label anomalous): the frames of 50-65 s again, with
//! an orange square (side = height / 8) sliding left to right across the
//! upper third of the scene, embedded as a stream of its own. Frame-level
//! ROC AUC against that construction is reported.
//!
//! Prints one row per test frame (time, decision value, flag), a summary,
//! and one JSON line.
//!
//! What to expect from the bundled experiment: the decision values rank
//! the constructed anomaly far above the normal second half (AUC about
//! 0.98), but the sign flags the normal second half as well. Eighty frames
//! 500 ms apart from 40 s of one scene are a thin sample of "normal" in
//! 264 dimensions: each training frame's nearest neighbour is the frame
//! before it, while unseen frames of the same scene (other people, other
//! places) lie several times further away, outside the learnt support
//! whatever gamma is used. `--calibrate 0.05` (threshold set on the last
//! quarter of the normal footage) flags 77 % instead of 100 % of them,
//! since even that quarter is new compared with the first three. Learn
//! from more normal footage before trusting the flag.

use std::path::PathBuf;
use std::time::Instant;

use image::{Rgb, RgbImage};
use ndarray::Array2;
use ocsvm_scaler::{Gamma, OcsvmParams, StandardScalerParams};
use oddframe::{
    metrics, Calibration, Detector, FeatureExtractor, Fit, Frame, FrameBuffer, ParamGuard,
    PipelineParams, Threshold,
};
use oddframe_examples_video::{open, peak_memory_mib, testdata, OpenOptions};
use video_features::embed::Embedding;
use video_features::PixelFormat;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
usage: embedding_ocsvm [--normal VIDEO... --test VIDEO...] [options]

  --normal VIDEO...  normal footage to learn from (files, URLs, .y4m, image dirs)
  --test VIDEO...    footage to score
  --every-ms N       sampling interval in milliseconds (default 500)
  --nu X             one-class SVM nu in (0, 1] (default 0.1)
  --gamma G          RBF gamma: scale | auto | a number > 0 (default scale)
  --calibrate RATE   learn from the first 3/4 of each normal video and set the
                     flag threshold so that RATE of the last 1/4 is flagged
                     (default: flag when the decision value is < 0)
  --quiet            no per-frame table
With no videos: the bundled vtest.avi experiment described in the source.
";

struct Options {
    normal: Vec<PathBuf>,
    test: Vec<PathBuf>,
    every_ms: u32,
    nu: f64,
    gamma: Gamma,
    calibrate: Option<f64>,
    quiet: bool,
}

fn parse_args() -> AnyResult<Options> {
    let mut o = Options {
        normal: Vec::new(),
        test: Vec::new(),
        every_ms: 500,
        nu: 0.1,
        gamma: Gamma::Scale,
        calibrate: None,
        quiet: false,
    };
    let mut list: Option<bool> = None; // Some(true): --normal, Some(false): --test
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--normal" => list = Some(true),
            "--test" => list = Some(false),
            "--every-ms" => o.every_ms = value("--every-ms")?.parse()?,
            "--nu" => o.nu = value("--nu")?.parse()?,
            "--gamma" => {
                o.gamma = match value("--gamma")?.as_str() {
                    "scale" => Gamma::Scale,
                    "auto" => Gamma::Auto,
                    g => Gamma::Value(g.parse()?),
                }
            }
            "--calibrate" => o.calibrate = Some(value("--calibrate")?.parse()?),
            "--quiet" => o.quiet = true,
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{HELP}").into()),
            _ => match list {
                Some(true) => o.normal.push(a.into()),
                Some(false) => o.test.push(a.into()),
                None => return Err(format!("a video before --normal or --test\n{HELP}").into()),
            },
        }
    }
    if o.normal.is_empty() != o.test.is_empty() {
        return Err("give both --normal and --test videos, or neither".into());
    }
    Ok(o)
}

/// One embedded stream: where its frames came from, their times, vectors
/// and (for the bundled experiment) labels.
struct Stream {
    name: String,
    times: Vec<f64>,
    vectors: Vec<Vec<f64>>,
    anomalous: bool,
}

impl Stream {
    /// The first `fraction` of the frames, and the rest.
    fn split(&self, fraction: f64) -> (Stream, Stream) {
        let k = ((self.times.len() as f64 * fraction).round() as usize).clamp(1, self.times.len());
        let part = |r: std::ops::Range<usize>| Stream {
            name: self.name.clone(),
            times: self.times[r.clone()].to_vec(),
            vectors: self.vectors[r].to_vec(),
            anomalous: self.anomalous,
        };
        (part(0..k), part(k..self.times.len()))
    }
}

/// Embeds every sampled frame of a source, after `edit` (the constructed
/// anomaly, or nothing).
fn embed(
    name: &str,
    input: &std::path::Path,
    opts: OpenOptions,
    anomalous: bool,
    edit: impl Fn(usize, usize, &mut RgbImage),
) -> AnyResult<Stream> {
    let frames: Vec<Frame> = open(input, opts)?.frames.collect::<Result<_, _>>()?;
    let mut e = Embedding::default();
    let mut s = Stream {
        name: name.into(),
        times: Vec::new(),
        vectors: Vec::new(),
        anomalous,
    };
    let n = frames.len();
    for (k, f) in frames.into_iter().enumerate() {
        let (index, t) = (f.index(), f.timestamp());
        let f = match f.into_buffer() {
            FrameBuffer::Rgb(mut img) => {
                edit(k, n, &mut img);
                Frame::rgb(img, index, t)
            }
            other => Frame::new(other, index, t),
        };
        s.times.push(t.as_secs_f64());
        s.vectors.push(e.push(&f)?.remove(0).to_vec());
    }
    if s.vectors.is_empty() {
        return Err(format!("{name}: no frames").into());
    }
    Ok(s)
}

/// An orange square sliding left to right across the upper third.
fn paste_square(k: usize, n: usize, img: &mut RgbImage) {
    let (w, h) = img.dimensions();
    let side = (h / 8).max(1);
    let x0 = ((w - side) as usize * k / n.max(1)) as u32;
    let y0 = h / 3;
    for y in y0..(y0 + side).min(h) {
        for x in x0..(x0 + side).min(w) {
            img.put_pixel(x, y, Rgb([255, 128, 0]));
        }
    }
}

fn matrix(streams: &[Stream]) -> AnyResult<Array2<f64>> {
    let d = streams[0].vectors[0].len();
    let flat: Vec<f64> = streams
        .iter()
        .flat_map(|s| s.vectors.iter().flatten().copied())
        .collect();
    Ok(Array2::from_shape_vec((flat.len() / d, d), flat)?)
}

fn run(o: &Options) -> AnyResult<()> {
    let opts = OpenOptions {
        format: PixelFormat::Rgb,
        every_ms: Some(o.every_ms),
        ..OpenOptions::default()
    };
    let none = |_: usize, _: usize, _: &mut RgbImage| {};
    let t0 = Instant::now();
    let bundled = o.normal.is_empty();
    let (normal, test) = if bundled {
        let vtest = testdata("vtest.avi");
        let span = |start: f64, len: f64| OpenOptions {
            span_s: Some((start, len)),
            ..opts
        };
        println!("bundled experiment on {}", vtest.display());
        (
            vec![embed(
                "vtest 0-39.75 s",
                &vtest,
                span(0.0, 39.75),
                false,
                none,
            )?],
            vec![
                embed(
                    "vtest 39.75-79.5 s",
                    &vtest,
                    span(39.75, 39.75),
                    false,
                    none,
                )?,
                embed(
                    "vtest 50-65 s + square",
                    &vtest,
                    span(50.0, 15.0),
                    true,
                    paste_square,
                )?,
            ],
        )
    } else {
        let each = |paths: &[PathBuf]| -> AnyResult<Vec<Stream>> {
            paths
                .iter()
                .map(|p| embed(&p.display().to_string(), p, opts, false, none))
                .collect()
        };
        (each(&o.normal)?, each(&o.test)?)
    };
    let embed_s = t0.elapsed().as_secs_f64();

    // with --calibrate, the last quarter of each normal video is held out
    // to set the flag threshold; the rest is learnt
    let (fit_part, held_out): (Vec<Stream>, Vec<Stream>) = match o.calibrate {
        Some(_) => normal.iter().map(|s| s.split(0.75)).unzip(),
        None => (normal.iter().map(|s| s.split(1.0).0).collect(), Vec::new()),
    };
    let train = matrix(&fit_part)?;
    let t1 = Instant::now();
    let params = OcsvmParams::new().nu(o.nu).gamma(o.gamma).check()?;
    let model = PipelineParams::new(params)
        .fit_step(StandardScalerParams::default())
        .fit(train.view())?;
    let fit_s = t1.elapsed().as_secs_f64();
    // flag when -decision is above the threshold: 0 (the SVM's own sign) or
    // calibrated on held-out normal frames
    let threshold = match o.calibrate {
        Some(rate) => {
            let scores = model.score(matrix(&held_out)?.view())?.to_vec();
            Threshold::calibrate(Calibration::AnomalyRate(rate), &scores)?
        }
        None => Threshold::fixed(0.0)?,
    };
    let x = matrix(&test)?;
    let t2 = Instant::now();
    // the SVM's decision function: the negated score (> 0 inside)
    let decision = -model.score(x.view())?;
    let score_s = t2.elapsed().as_secs_f64();

    if !o.quiet {
        println!("{:<28} {:>9} {:>10}  flag", "video", "time_s", "decision");
    }
    let mut row = 0;
    let (mut labels, mut scores) = (Vec::new(), Vec::new());
    for s in &test {
        for &t in &s.times {
            let d = decision[row];
            if !o.quiet {
                let flag = if threshold.decide(-d).is_anomaly {
                    "ANOMALY"
                } else {
                    ""
                };
                println!("{:<28} {t:>9.2} {d:>10.5}  {flag}", s.name);
            }
            labels.push(s.anomalous);
            scores.push(-d);
            row += 1;
        }
    }
    let frames = decision.len();
    let anomalies = decision
        .iter()
        .filter(|&&d| threshold.decide(-d).is_anomaly)
        .count();
    let rate = anomalies as f64 / frames as f64;
    let svm = model
        .detector_as::<ocsvm_scaler::OneClassSvm<f64>>()
        .ok_or("the pipeline ends in the SVM")?;
    println!("\nsummary");
    println!(
        "  normal frames   {} learnt from {} video(s)",
        train.nrows(),
        normal.len()
    );
    match o.calibrate {
        Some(rate) => println!(
            "  threshold       -decision > {:.5}, set to flag {rate} of {} held-out normal frames",
            threshold.value(),
            held_out.iter().map(|s| s.times.len()).sum::<usize>()
        ),
        None => println!("  threshold       decision < 0 (the SVM's own boundary)"),
    }
    println!("  test frames     {frames} from {} video(s)", test.len());
    println!("  anomalies       {anomalies} ({:.1} %)", 100.0 * rate);
    println!(
        "  model           StandardScaler + OneClassSvm(rbf, nu {}, gamma {:.3e}), \
         {} features, {} support vectors, rho {:.5}",
        o.nu,
        svm.gamma(),
        train.ncols(),
        svm.support().len(),
        svm.rho()
    );
    println!(
        "  time            decode + embed {embed_s:.2} s, fit {:.1} ms, score {:.1} ms",
        1e3 * fit_s,
        1e3 * score_s
    );
    let auc = if bundled {
        let auc = metrics::roc_auc(&labels, &scores)?;
        let truth = labels.iter().filter(|&&l| l).count();
        let flagged = |want: bool| {
            let n = labels
                .iter()
                .zip(&scores)
                .filter(|(&l, &s)| l == want && threshold.decide(s).is_anomaly)
                .count();
            let of = labels.iter().filter(|&&l| l == want).count();
            format!("{n} of {of} ({:.1} %)", 100.0 * n as f64 / of.max(1) as f64)
        };
        println!(
            "  flagged         constructed anomalies {}, normal test frames {}",
            flagged(true),
            flagged(false)
        );
        println!("  frame ROC AUC   {auc:.3} ({truth} constructed anomalous frames)");
        auc.to_string()
    } else {
        "null".into()
    };
    if let Some(mib) = peak_memory_mib() {
        println!("  peak memory     {mib:.1} MiB");
    }
    println!(
        "{{\"frames\":{frames},\"anomalies\":{anomalies},\"anomaly_rate\":{rate},\
         \"n_train\":{},\"n_features\":{},\"n_sv\":{},\"rho\":{},\"gamma\":{},\"nu\":{},\
         \"threshold\":{},\"embed_s\":{embed_s},\"fit_s\":{fit_s},\"score_s\":{score_s},\"auc\":{auc}}}",
        train.nrows(),
        train.ncols(),
        svm.support().len(),
        svm.rho(),
        svm.gamma(),
        o.nu,
        threshold.value()
    );
    Ok(())
}

fn main() {
    if let Err(e) = parse_args().and_then(|o| run(&o)) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
