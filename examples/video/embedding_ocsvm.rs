//! The one-class video pipeline: sample frames every 500 ms, embed them
//! (HSV histogram, HOG-style gradients, motion energy), fit a scaler and a
//! one-class SVM on normal videos, and score every sampled test frame.
//!
//! ```text
//! cargo run --release --example embedding_ocsvm        # bundled vtest.avi, see below
//! cargo run --release --example embedding_ocsvm -- --normal A.mp4 B.mp4 --test C.mp4 [--nu 0.1] \
//!     [--save detector.json]
//! cargo run --release --example embedding_ocsvm -- --load detector.json --test D.mp4
//! ```
//!
//! `--save` writes one file holding the embedding's settings, the scaler,
//! the SVM and the threshold; `--load` embeds new videos with those
//! settings and scores them.
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

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use image::{Rgb, RgbImage};
use ndarray::Array2;
use ocsvm_scaler::{Gamma, OcsvmParams, OneClassSvm, StandardScalerParams};
use oddframe::frame_pipeline::{ExtractorPipeline, ExtractorPipelineParams, ExtractorSpec};
use oddframe::{
    metrics, Calibration, Detector, Frame, FrameBuffer, FramePipeline, ParamGuard, PipelineParams,
    Registry, Threshold,
};
use oddframe_examples_video::{peak_memory_mib, testdata};
use video_features::embed::EmbeddingSpec;
use video_features::open::{open, OpenOptions};
use video_features::PixelFormat;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Embed sampled frames, fit a scaler and a one-class SVM on normal videos,
/// and score every sampled test frame.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Normal footage to learn from (files, URLs, .y4m, image directories).
    #[arg(long, num_args = 1.., conflicts_with = "load")]
    normal: Vec<PathBuf>,
    /// Footage to score (without --normal and --test: the bundled experiment).
    #[arg(long, num_args = 1..)]
    test: Vec<PathBuf>,
    /// Sampling interval in milliseconds.
    #[arg(long, default_value_t = 500)]
    every_ms: u32,
    /// One-class SVM nu in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    nu: f64,
    /// RBF gamma: scale, auto, or a number > 0.
    #[arg(long, default_value = "scale", value_parser = parse_gamma)]
    gamma: Gamma,
    /// Learn from the first 3/4 of each normal video and set the threshold
    /// so that this share of the last 1/4 is flagged (default: the SVM's
    /// own boundary, decision < 0).
    #[arg(long)]
    calibrate: Option<f64>,
    /// Save the embedding settings, scaler, SVM and threshold as one file.
    #[arg(long, conflicts_with = "load")]
    save: Option<PathBuf>,
    /// Score with a saved file instead of training.
    #[arg(long)]
    load: Option<PathBuf>,
    /// CSV of video, time_s, score, is_anomaly for every test frame.
    #[arg(long)]
    scores_out: Option<PathBuf>,
    /// Bundled experiment: fail unless the frame AUC is at least this.
    #[arg(long)]
    min_auc: Option<f64>,
    /// No per-frame table.
    #[arg(long)]
    quiet: bool,
}

fn parse_gamma(v: &str) -> Result<Gamma, String> {
    match v {
        "scale" => Ok(Gamma::Scale),
        "auto" => Ok(Gamma::Auto),
        n => n
            .parse()
            .map(Gamma::Value)
            .map_err(|_| format!("{n:?} is not scale, auto or a number")),
    }
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
    spec: &dyn ExtractorSpec,
    name: &str,
    input: &std::path::Path,
    opts: OpenOptions,
    anomalous: bool,
    edit: impl Fn(usize, usize, &mut RgbImage),
) -> AnyResult<Stream> {
    let frames: Vec<Frame> = open(input, opts)?.frames.collect::<Result<_, _>>()?;
    // a fresh embedding per video: motion starts afresh
    let mut e = spec.build();
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

/// The bundled experiment's normal and test streams, or the given videos'.
fn streams(
    o: &Cli,
    spec: &dyn ExtractorSpec,
    opts: OpenOptions,
) -> AnyResult<(Vec<Stream>, Vec<Stream>)> {
    let none = |_: usize, _: usize, _: &mut RgbImage| {};
    if o.test.is_empty() {
        let vtest = testdata("vtest.avi");
        let secs = std::time::Duration::from_secs_f64;
        let span = |start: f64, len: f64| opts.span(secs(start), secs(len));
        println!("bundled experiment on {}", vtest.display());
        let normal = match o.load {
            Some(_) => Vec::new(),
            None => vec![embed(
                spec,
                "vtest 0-39.75 s",
                &vtest,
                span(0.0, 39.75),
                false,
                none,
            )?],
        };
        let test = vec![
            embed(
                spec,
                "vtest 39.75-79.5 s",
                &vtest,
                span(39.75, 39.75),
                false,
                none,
            )?,
            embed(
                spec,
                "vtest 50-65 s + square",
                &vtest,
                span(50.0, 15.0),
                true,
                paste_square,
            )?,
        ];
        return Ok((normal, test));
    }
    let each = |paths: &[PathBuf]| -> AnyResult<Vec<Stream>> {
        paths
            .iter()
            .map(|p| embed(spec, &p.display().to_string(), p, opts, false, none))
            .collect()
    };
    Ok((each(&o.normal)?, each(&o.test)?))
}

/// Fits the embedding pipeline on the normal streams (the first 3/4 of each
/// with `--calibrate`, the threshold then set on the last 1/4).
fn fit(o: &Cli, spec: &EmbeddingSpec, normal: &[Stream]) -> AnyResult<(FramePipeline, usize)> {
    let (fit_part, held_out): (Vec<Stream>, Vec<Stream>) = match o.calibrate {
        Some(_) => normal.iter().map(|s| s.split(0.75)).unzip(),
        None => (normal.iter().map(|s| s.split(1.0).0).collect(), Vec::new()),
    };
    let train = matrix(&fit_part)?;
    let params = OcsvmParams::new().nu(o.nu).gamma(o.gamma).check()?;
    let recipe = PipelineParams::new(params).fit_step(StandardScalerParams::default());
    let model = ExtractorPipelineParams::new(spec.clone(), recipe).fit_features(train.view())?;
    // flag when the score (-decision) is above the threshold: 0 (the SVM's
    // own sign) or calibrated on held-out normal frames
    let threshold = match o.calibrate {
        Some(rate) => {
            let scores = model.pipeline().score(matrix(&held_out)?.view())?.to_vec();
            Threshold::calibrate(Calibration::AnomalyRate(rate), &scores)?
        }
        None => Threshold::fixed(0.0)?,
    };
    Ok((
        FramePipeline::new(model).with_threshold(threshold),
        train.nrows(),
    ))
}

fn run(o: &Cli) -> AnyResult<()> {
    if o.normal.is_empty() != o.test.is_empty() && o.load.is_none() {
        return Err("give both --normal and --test videos, or neither".into());
    }
    let opts = OpenOptions::new()
        .format(PixelFormat::Rgb)
        .every_ms(o.every_ms);
    let t0 = Instant::now();
    let (detector, n_train, normal_videos, test, embed_s, fit_s) = match &o.load {
        Some(path) => {
            let registry = video_features::register(ocsvm_scaler::register(Registry::new()));
            let detector = FramePipeline::load(path, &registry)?;
            let model: &ExtractorPipeline =
                detector.detector_as().ok_or("not an embedding pipeline")?;
            println!("loaded {}", path.display());
            let (_, test) = streams(o, model.extractor(), opts)?;
            let embed_s = t0.elapsed().as_secs_f64();
            (detector, 0, 0, test, embed_s, 0.0)
        }
        None => {
            let spec = EmbeddingSpec::default();
            let (normal, test) = streams(o, &spec, opts)?;
            let embed_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let (detector, n_train) = fit(o, &spec, &normal)?;
            if let Some(path) = &o.save {
                detector.save(path)?;
                println!("saved {}", path.display());
            }
            (
                detector,
                n_train,
                normal.len(),
                test,
                embed_s,
                t1.elapsed().as_secs_f64(),
            )
        }
    };
    let threshold = detector.threshold().ok_or("no threshold")?.clone();
    let model: &ExtractorPipeline = detector.detector_as().ok_or("not an embedding pipeline")?;
    let x = matrix(&test)?;
    let t2 = Instant::now();
    // the SVM's decision function: the negated score (> 0 inside)
    let decision = -model.pipeline().score(x.view())?;
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
        .pipeline()
        .detector_as::<OneClassSvm<f64>>()
        .ok_or("the pipeline ends in the SVM")?;
    println!("\nsummary");
    if o.load.is_none() {
        println!("  normal frames   {n_train} learnt from {normal_videos} video(s)");
    }
    println!(
        "  threshold       -decision > {:.5} ({:?})",
        threshold.value(),
        threshold.calibration()
    );
    println!("  test frames     {frames} from {} video(s)", test.len());
    println!("  anomalies       {anomalies} ({:.1} %)", 100.0 * rate);
    println!(
        "  model           embedding ({} features) + StandardScaler + OneClassSvm(rbf, gamma {:.3e}), \
         {} support vectors, rho {:.5}",
        model.extractor().n_features(),
        svm.gamma(),
        svm.support().len(),
        svm.rho()
    );
    println!(
        "  time            decode + embed {embed_s:.2} s, fit {:.1} ms, score {:.1} ms",
        1e3 * fit_s,
        1e3 * score_s
    );
    let auc = if o.test.is_empty() {
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
        Some(auc)
    } else {
        None
    };
    if let Some(mib) = peak_memory_mib() {
        println!("  peak memory     {mib:.1} MiB");
    }
    if let Some(path) = &o.scores_out {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(w, "video,time_s,score,is_anomaly")?;
        let mut row = 0;
        for s in &test {
            for &t in &s.times {
                let d = threshold.decide(scores[row]);
                writeln!(w, "{},{t:.3},{},{}", s.name, d.score, d.is_anomaly)?;
                row += 1;
            }
        }
        w.flush()?;
    }
    let json = serde_json::json!({
        "frames": frames,
        "anomalies": anomalies,
        "anomaly_rate": rate,
        "n_train": n_train,
        "n_features": model.extractor().n_features(),
        "n_sv": svm.support().len(),
        "rho": svm.rho(),
        "gamma": svm.gamma(),
        "threshold": threshold.value(),
        "embed_s": embed_s,
        "fit_s": fit_s,
        "score_s": score_s,
        "auc": auc,
    });
    println!("{json}");
    if let (Some(min), Some(auc)) = (o.min_auc, auc) {
        if auc < min {
            return Err(format!("frame AUC {auc:.3} is below --min-auc {min}").into());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embedding_ocsvm: {e}");
            ExitCode::FAILURE
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
