//! The UCSD Ped2 benchmark end to end: learn the training clips (normal
//! pedestrians) with the convolutional autoencoder, score every test frame,
//! and report the figures papers report, twice: causal (what a live camera
//! gets) and under the offline protocol papers use.
//!
//! ```text
//! cargo run --release --example ucsd_ped2                   # ../shared/data/ucsd_ped2, else the bundled subset
//! cargo run --release --example ucsd_ped2 -- ROOT           # the frames layout or the original UCSDped2 folder
//! cargo run --release --example ucsd_ped2 -- --scoring patch:16 --size 64
//! ```
//!
//! - **Causal** (the headline): each frame's score is its own
//!   reconstruction error; no per-video normalisation, no smoothing over
//!   future frames, no statistic of the test set.
//! - **Offline** (for papers' tables): per test clip, min-max normalised,
//!   then smoothed by a centred Gaussian (`--sigma`, in frames). It looks at
//!   the whole clip, future included.
//!
//! The last fifth of the training clips (whole clips, at least one) is held
//! out: the label-free threshold flags `--rate` of their frames (conformal
//! calibration), and its false-alarm rate and recall on the test frames are
//! reported. The model learns the other clips.
//!
//! Ends with one JSON line: `micro_auc`, `macro_auc`, `ap`, `eer`,
//! `offline_micro_auc`, `offline_macro_auc`, `pixel_auc`, `train_s`,
//! `frames_per_s`, `false_alarm_rate`, `recall`, and the settings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use conv_autoencoder::{Architecture, AutoencoderParams, Backend, FrameAutoencoder, Scoring};
use ndarray::Array2;
use oddframe::image::GrayImage;
use oddframe::{metrics, smooth, Calibration, Frame, ParamGuard, Threshold};
use oddframe_examples_autoencoder::ProgressBar;
use oddframe_examples_common::{print_json_line, testdata};
use serde::Serialize;
use video_features::preprocess::Preprocess;
use video_features::sequence::ImageSequence;
use video_features::temporal::FrameDifference;
use video_features::ucsd::{UcsdClip, UcsdDataset};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Train on UCSD Ped2's normal clips, score its test clips, report the
/// benchmark's figures.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The dataset (frames layout or original UCSDped2 folder); default
    /// ../shared/data/ucsd_ped2 when it exists, else the bundled subset.
    root: Option<PathBuf>,
    /// cpu (the fastest compiled in), flex, ndarray, or gpu (package feature `gpu`).
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Model input side in pixels (grey, square; a multiple of 16).
    #[arg(long, default_value_t = 64)]
    size: u32,
    /// What the model learns: frames, or diff:GAIN (the absolute
    /// difference from the previous frame, times GAIN: motion).
    #[arg(long, default_value = "frames", value_parser = parse_input)]
    input: Input,
    /// Frame score from the error map: mean, or patch:N (the worst N x N
    /// window, in model pixels).
    #[arg(long, default_value = "mean")]
    scoring: Scoring,
    /// At most this many epochs (early stopping after 5 without improvement).
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Frames per Adam step.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Seed of the weights, the split and the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Offline protocol: the centred Gaussian's sigma, in frames.
    #[arg(long, default_value_t = 3.0)]
    sigma: f64,
    /// Label-free threshold: the share of held-out normal frames it may flag.
    #[arg(long, default_value_t = 0.05)]
    rate: f64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Fail unless the causal micro AUC is at least this (a floor for CI).
    #[arg(long)]
    min_auc: Option<f64>,
}

/// The model's input.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    /// The frames themselves (appearance).
    Frames,
    /// Each frame's difference from the previous one, times the gain.
    Diff(u8),
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Frames => f.write_str("frames"),
            Input::Diff(g) => write!(f, "diff:{g}"),
        }
    }
}

fn parse_input(s: &str) -> Result<Input, String> {
    match s.split_once(':') {
        None if s == "frames" => Ok(Input::Frames),
        Some(("diff", g)) => match g.parse::<u8>() {
            Ok(g) if g > 0 => Ok(Input::Diff(g)),
            _ => Err(format!("diff gain {g:?} is not 1 to 255")),
        },
        _ => Err(format!("{s:?} is not frames or diff:GAIN")),
    }
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report {
    root: String,
    train_clips: usize,
    calibration_clips: usize,
    test_clips: usize,
    test_frames: usize,
    size: u32,
    input: String,
    scoring: String,
    parameters: usize,
    device: String,
    epochs: usize,
    train_s: f64,
    frames_per_s: f64,
    micro_auc: f64,
    macro_auc: f64,
    ap: f64,
    eer: f64,
    offline_sigma: f64,
    offline_micro_auc: f64,
    offline_macro_auc: f64,
    pixel_auc: f64,
    rate: f64,
    threshold: f64,
    false_alarm_rate: f64,
    recall: f64,
}

fn default_root() -> PathBuf {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ucsd_ped2");
    if shared.is_dir() {
        shared
    } else {
        testdata("ucsd_ped2")
    }
}

/// A clip's model inputs: its frames as `size` x `size` grey, or their
/// differences from the previous frame (the first frame's is all zero: it
/// did not move).
fn model_frames(seq: ImageSequence, size: u32, input: Input) -> AnyResult<Vec<Frame>> {
    let fit = Preprocess::new().grey(true).resize(size, size);
    let frames = seq.map(|f| fit.apply(&f?)).collect::<Result<Vec<_>, _>>()?;
    let Input::Diff(gain) = input else {
        return Ok(frames);
    };
    let mut diff = FrameDifference::new(gain)?;
    let mut out = Vec::with_capacity(frames.len());
    for f in &frames {
        out.push(match diff.push(f)? {
            Some(d) => d,
            None => Frame::luma(GrayImage::new(size, size), f.index(), f.timestamp()),
        });
    }
    Ok(out)
}

/// A clip's masks at the error maps' size (nearest neighbour), row-major.
fn model_masks(clip: &UcsdClip, size: u32) -> AnyResult<Option<Vec<Vec<bool>>>> {
    let Some(masks) = clip.masks()? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for m in masks {
        let m = m?;
        let (w, h, c) = (m.width() as usize, m.height() as usize, m.channels());
        let bytes = m.as_bytes();
        let n = size as usize;
        out.push(
            (0..n * n)
                .map(|i| {
                    let (y, x) = ((i / n) * h / n, (i % n) * w / n);
                    bytes[(y * w + x) * c] != 0
                })
                .collect(),
        );
    }
    Ok(Some(out))
}

/// Every frame of the training clips, split into (fit, held out) by clip.
fn training_frames(
    ds: &UcsdDataset,
    size: u32,
    input: Input,
) -> AnyResult<(Vec<Frame>, Vec<Frame>, usize)> {
    let clips = ds.train_clips();
    let held = clips.len().div_ceil(5).min(clips.len() - 1);
    if held == 0 {
        return Err("at least two training clips are needed (one calibrates the threshold)".into());
    }
    let (mut fit, mut cal) = (Vec::new(), Vec::new());
    for (k, dir) in clips.iter().enumerate() {
        let frames = model_frames(ImageSequence::open(dir)?, size, input)?;
        if k < clips.len() - held {
            fit.extend(frames);
        } else {
            cal.extend(frames);
        }
    }
    Ok((fit, cal, held))
}

fn train(o: &Cli, fit: &[Frame]) -> AnyResult<(FrameAutoencoder, f64, usize)> {
    let mut arch = Architecture::cctv();
    (arch.width, arch.height) = (o.size as usize, o.size as usize);
    let params = AutoencoderParams::new(arch)
        .backend(o.backend)
        .epochs(o.epochs)
        .batch_size(o.batch)
        .learning_rate(o.lr)
        .seed(o.seed)
        .init_seed(o.seed)
        .check()?;
    let mut bar = ProgressBar::new(o.epochs, o.quiet);
    let started = Instant::now();
    let (model, report) = params.fit_with(fit, |p| bar.update(p))?;
    Ok((model, started.elapsed().as_secs_f64(), report.epochs.len()))
}

/// Per test clip: labels, causal scores, error maps, masks.
struct Scored {
    labels: Vec<Vec<bool>>,
    scores: Vec<Vec<f64>>,
    maps: Vec<Array2<f32>>,
    masks: Vec<Vec<bool>>,
    seconds: f64,
}

fn score_test(o: &Cli, ds: &UcsdDataset, model: &FrameAutoencoder) -> AnyResult<Scored> {
    let mut s = Scored {
        labels: Vec::new(),
        scores: Vec::new(),
        maps: Vec::new(),
        masks: Vec::new(),
        seconds: 0.0,
    };
    for clip in ds.test_clips() {
        let labels = clip
            .labels()
            .ok_or_else(|| format!("test clip {} has no labels", clip.name()))?;
        let frames = model_frames(clip.frames()?, o.size, o.input)?;
        let started = Instant::now();
        let maps = model.error_maps(&frames)?;
        let scores = maps
            .iter()
            .map(|m| o.scoring.score(m))
            .collect::<Result<Vec<_>, _>>()?;
        s.seconds += started.elapsed().as_secs_f64();
        if let Some(masks) = model_masks(clip, o.size)? {
            s.masks.extend(masks);
            s.maps.extend(maps);
        }
        s.labels.push(labels.to_vec());
        s.scores.push(scores);
    }
    Ok(s)
}

/// Per clip min-max, then a centred Gaussian: the offline protocol.
fn offline(scores: &[Vec<f64>], sigma: f64) -> AnyResult<Vec<Vec<f64>>> {
    Ok(scores
        .iter()
        .map(|s| smooth::gaussian_centered(&smooth::min_max(s)?, sigma))
        .collect::<Result<_, _>>()?)
}

fn refs<T>(v: &[Vec<T>]) -> Vec<&[T]> {
    v.iter().map(Vec::as_slice).collect()
}

fn run(o: &Cli) -> AnyResult<Report> {
    let root = o.root.clone().unwrap_or_else(default_root);
    let ds = UcsdDataset::open(&root)?;
    println!(
        "{}: {} training clips, {} test clips",
        root.display(),
        ds.train_clips().len(),
        ds.test_clips().len()
    );
    let (fit, cal, held) = training_frames(&ds, o.size, o.input)?;
    println!(
        "training on {} frames, {} frames of {held} held-out clips calibrate the threshold ({})",
        fit.len(),
        cal.len(),
        o.backend
    );
    let (model, train_s, epochs) = train(o, &fit)?;
    println!("trained {epochs} epochs in {train_s:.1} s");
    let threshold = Threshold::calibrate(
        Calibration::Conformal(o.rate),
        &model.score_frames_by(&cal, o.scoring)?,
    )?;

    let s = score_test(o, &ds, &model)?;
    let (labels, scores) = (refs(&s.labels), refs(&s.scores));
    let all_labels: Vec<bool> = s.labels.concat();
    let all_scores: Vec<f64> = s.scores.concat();
    let smoothed = offline(&s.scores, o.sigma)?;
    let maps: Vec<&[f32]> = s
        .maps
        .iter()
        .map(|m| m.as_slice().ok_or("error map not contiguous"))
        .collect::<Result<_, _>>()?;
    let flagged = |abnormal: bool| {
        let (hit, n) = all_labels
            .iter()
            .zip(&all_scores)
            .filter(|(&l, _)| l == abnormal)
            .fold((0usize, 0usize), |(h, n), (_, &v)| {
                (h + usize::from(threshold.decide(v).is_anomaly), n + 1)
            });
        hit as f64 / n.max(1) as f64
    };
    Ok(Report {
        root: root.display().to_string(),
        train_clips: ds.train_clips().len() - held,
        calibration_clips: held,
        test_clips: labels.len(),
        test_frames: all_scores.len(),
        size: o.size,
        input: o.input.to_string(),
        scoring: o.scoring.to_string(),
        parameters: model.parameters(),
        device: model.backend().to_string(),
        epochs,
        train_s,
        frames_per_s: all_scores.len() as f64 / s.seconds.max(1e-9),
        micro_auc: metrics::micro_roc_auc(&labels, &scores)?,
        macro_auc: metrics::macro_roc_auc(&labels, &scores)?.mean,
        ap: metrics::average_precision(&all_labels, &all_scores)?,
        eer: metrics::equal_error_rate(&all_labels, &all_scores)?,
        offline_sigma: o.sigma,
        offline_micro_auc: metrics::micro_roc_auc(&labels, &refs(&smoothed))?,
        offline_macro_auc: metrics::macro_roc_auc(&labels, &refs(&smoothed))?.mean,
        pixel_auc: if maps.is_empty() {
            f64::NAN
        } else {
            metrics::pixel_roc_auc(&maps, &refs(&s.masks))?
        },
        rate: o.rate,
        threshold: threshold.value(),
        false_alarm_rate: flagged(false),
        recall: flagged(true),
    })
}

fn print_table(r: &Report) {
    println!(
        "{:<28}{:>12}{:>12}",
        "frame level",
        "causal",
        format!("offline σ{}", r.offline_sigma)
    );
    println!(
        "{:<28}{:>12.3}{:>12.3}",
        "ROC AUC micro", r.micro_auc, r.offline_micro_auc
    );
    println!(
        "{:<28}{:>12.3}{:>12.3}",
        "ROC AUC macro", r.macro_auc, r.offline_macro_auc
    );
    println!("{:<28}{:>12.3}", "AP", r.ap);
    println!("{:<28}{:>12.3}", "EER", r.eer);
    println!("{:<28}{:>12.3}", "pixel-level AUC", r.pixel_auc);
    println!(
        "threshold {:.6} (flags {} % of held-out normal frames): false alarms {:.1} % of normal test frames, recall {:.1} %",
        r.threshold,
        100.0 * r.rate,
        100.0 * r.false_alarm_rate,
        100.0 * r.recall
    );
    println!(
        "{} parameters on {}: trained in {:.1} s, scored {:.0} frames/s",
        r.parameters, r.device, r.train_s, r.frames_per_s
    );
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(r) => {
            print_table(&r);
            if let Err(e) = print_json_line(&r) {
                eprintln!("ucsd_ped2: {e}");
                return ExitCode::FAILURE;
            }
            match cli.min_auc {
                Some(min) if r.micro_auc.is_nan() || r.micro_auc < min => {
                    eprintln!("ucsd_ped2: micro AUC {:.3} is below {min}", r.micro_auc);
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("ucsd_ped2: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
