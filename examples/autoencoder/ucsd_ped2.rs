//! The UCSD Ped2 benchmark end to end: learn the training clips (normal
//! pedestrians) with the convolutional autoencoder, score every test frame,
//! and report the figures papers report, twice: causal (what a live camera
//! gets) and under the offline protocol papers use.
//!
//! ```text
//! cargo run --release --example ucsd_ped2                   # ../shared/data/ucsd_ped2, else the bundled subset
//! cargo run --release --example ucsd_ped2 -- ROOT           # the frames layout or the original UCSDped2 folder
//! cargo run --release --example ucsd_ped2 -- --scoring local:8 --smooth 2
//! cargo run --release --example ucsd_ped2 -- --save ped2.json  # the model and every chosen setting
//! ```
//!
//! What it chooses is the library's: a `conv_autoencoder::ClipScorer` (the
//! model, its `Input`, its `FrameScore`) scores the test clips, and
//! `--save` writes it with its threshold as one `FramePipeline` file.
//!
//! - **Causal** (the headline): each frame's score is its own
//!   reconstruction error; no per-video normalisation, no smoothing over
//!   future frames, no statistic of the test set.
//! - **Offline** (for papers' tables): per test clip, min-max normalised,
//!   then smoothed by a centred Gaussian (`--sigma`, in frames). It looks at
//!   the whole clip, future included.
//!
//! The last fifth of the training clips (whole clips, at least one) is held
//! out, and the model learns the other clips. The held-out clips serve
//! twice, and never with a test label:
//! - **choosing the frame score** (`--scoring auto`, `--smooth auto`): two
//!   copies of each with constructed intruders
//!   (`oddframe_examples_autoencoder::intruder`): a cut-out crossing the
//!   frame fast, and the busiest quarter of the frame played three times
//!   too fast (real walkers at a cyclist's pace). Every candidate
//!   reduction of the error maps and causal smoothing is scored on them
//!   (ROC AUC over both kinds), and the simplest within one standard error
//!   of the best wins;
//! - **the label-free threshold**: it flags `--rate` of their frames
//!   (conformal calibration); its false-alarm rate and recall on the test
//!   frames are reported.
//!
//! Ends with one JSON line: `micro_auc`, `macro_auc`, `ap`, `eer`,
//! `offline_micro_auc`, `offline_macro_auc`, `pixel_auc`, `rbdc`, `tbdc`,
//! `train_s`, `frames_per_s`, `false_alarm_rate`, `recall`, `val_auc`, and
//! the settings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use conv_autoencoder::{
    Architecture, AutoencoderParams, Backend, ClipScorer, FrameAutoencoder, FrameScore, Input,
    MapScore, MapScorer, Scoring,
};
use ndarray::Array2;
use oddframe::metrics::{FrameTruth, RegionParams};
use oddframe::{metrics, smooth, Calibration, Frame, FramePipeline, ParamGuard, Threshold};
use oddframe_examples_autoencoder::intruder::{fast_forward, intrude};
use oddframe_examples_autoencoder::{ProgressBar, TrainArgs};
use oddframe_examples_common::{print_json_line, testdata};
use serde::Serialize;
use video_features::preprocess::Preprocess;
use video_features::sequence::ImageSequence;
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
    /// Model input in pixels: N (square) or WxH (each a multiple of 16;
    /// 96x64 keeps the frames' 3:2 aspect).
    #[arg(long, default_value = "64", value_parser = parse_size)]
    size: Size,
    /// What the model learns: frames, diff:GAIN (the absolute difference
    /// from the previous frame, times GAIN: motion) or diff:GAIN:LAG (from
    /// the frame LAG back). The default won on constructed intruders in
    /// held-out training clips (best AUC 0.999, against 0.987 for
    /// diff:4:3 and 0.86 for frames).
    #[arg(long, default_value = "diff:4", value_parser = parse_input)]
    input: Input,
    /// Frame score from the error map: mean, patch:N (the worst N x N
    /// window, in model pixels), local:N (the N x N window most unlike
    /// normal frames there), or auto (on constructed intruders in the
    /// held-out training clips, the simplest within one standard error of
    /// the best).
    #[arg(long, default_value = "auto", value_parser = parse_auto::<MapScore>)]
    scoring: ::std::option::Option<MapScore>,
    /// Causal smoothing of the frame scores: a one-sided Gaussian's sigma
    /// in frames (0: none), or auto (chosen as --scoring auto is).
    #[arg(long, default_value = "auto", value_parser = parse_auto::<f64>)]
    smooth: ::std::option::Option<f64>,
    #[command(flatten)]
    fit: TrainArgs,
    /// Offline protocol: the centred Gaussian's sigma, in frames.
    #[arg(long, default_value_t = 3.0)]
    sigma: f64,
    /// Label-free threshold: the share of held-out normal frames it may flag.
    #[arg(long, default_value_t = 0.05)]
    rate: f64,
    /// Save the trained model with its input, chosen frame score and
    /// threshold as one frame pipeline file (load it with
    /// `FramePipeline::load` and `conv_autoencoder::register`).
    #[arg(long)]
    save: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Also print every candidate frame score's test AUC beside its AUC on
    /// the constructed intruders (to judge the choice; not used by it).
    #[arg(long)]
    diagnose: bool,
    /// Fail unless the causal micro AUC is at least this (a floor for CI).
    #[arg(long)]
    min_auc: Option<f64>,
}

/// The map reductions `--scoring auto` tries.
const MAP_CANDIDATES: [MapScore; 6] = [
    MapScore::Plain(Scoring::Mean),
    MapScore::Plain(Scoring::MaxPatch(8)),
    MapScore::Plain(Scoring::MaxPatch(16)),
    MapScore::Local(4),
    MapScore::Local(8),
    MapScore::Local(16),
];

/// How many times too fast the fast-forward intruder's region plays: a
/// cyclist's pace among walkers.
const FAST_FORWARD: usize = 3;

/// The causal smoothings `--smooth auto` tries (sigma in frames).
const SMOOTH_CANDIDATES: [f64; 3] = [0.0, 2.0, 4.0];

/// `auto` (None) or a value (the argument's type is spelt
/// `::std::option::Option` so that clap does not read it as optional).
fn parse_auto<T: std::str::FromStr>(s: &str) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    if s == "auto" {
        Ok(None)
    } else {
        s.parse::<T>().map(Some).map_err(|e| e.to_string())
    }
}

/// The model input's width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Size {
    w: u32,
    h: u32,
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.w, self.h)
    }
}

fn parse_size(s: &str) -> Result<Size, String> {
    let side = |t: &str| match t.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{t:?} is not a positive number of pixels")),
    };
    match s.split_once('x') {
        Some((w, h)) => Ok(Size {
            w: side(w)?,
            h: side(h)?,
        }),
        None => side(s).map(|n| Size { w: n, h: n }),
    }
}

fn parse_input(s: &str) -> Result<Input, String> {
    s.parse()
        .map_err(|e: conv_autoencoder::AeError| e.to_string())
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report {
    root: String,
    train_clips: usize,
    calibration_clips: usize,
    test_clips: usize,
    test_frames: usize,
    size: String,
    input: String,
    scoring: String,
    val_auc: f64,
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
    rbdc: f64,
    tbdc: f64,
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

/// A clip's frames as `size` x `size` grey.
fn grey_frames(seq: ImageSequence, size: Size) -> AnyResult<Vec<Frame>> {
    let fit = Preprocess::new().grey(true).resize(size.w, size.h);
    Ok(seq.map(|f| fit.apply(&f?)).collect::<Result<Vec<_>, _>>()?)
}

/// A clip's masks at the error maps' size (nearest neighbour), row-major.
fn model_masks(clip: &UcsdClip, size: Size) -> AnyResult<Option<Vec<Vec<bool>>>> {
    let Some(masks) = clip.masks()? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for m in masks {
        let m = m?;
        let (w, h, c) = (m.width() as usize, m.height() as usize, m.channels());
        let bytes = m.as_bytes();
        let (mw, mh) = (size.w as usize, size.h as usize);
        out.push(
            (0..mw * mh)
                .map(|i| {
                    let (y, x) = ((i / mw) * h / mh, (i % mw) * w / mw);
                    bytes[(y * w + x) * c] != 0
                })
                .collect(),
        );
    }
    Ok(Some(out))
}

/// The training clips: model inputs of the clips the model learns, and
/// the grey frames of each held-out clip.
struct Training {
    fit: Vec<Frame>,
    held: Vec<Vec<Frame>>,
}

fn training_frames(ds: &UcsdDataset, size: Size, input: Input) -> AnyResult<Training> {
    let clips = ds.train_clips();
    let held = clips.len().div_ceil(5).min(clips.len() - 1);
    if held == 0 {
        return Err("at least two training clips are needed (one is held out)".into());
    }
    let mut t = Training {
        fit: Vec::new(),
        held: Vec::new(),
    };
    for (k, dir) in clips.iter().enumerate() {
        let frames = grey_frames(ImageSequence::open(dir)?, size)?;
        if k < clips.len() - held {
            t.fit.extend(input.clip_inputs(&frames)?);
        } else {
            t.held.push(frames);
        }
    }
    Ok(t)
}

fn train(o: &Cli, fit: &[Frame]) -> AnyResult<(FrameAutoencoder, f64, usize)> {
    let mut arch = Architecture::cctv();
    (arch.width, arch.height) = (o.size.w as usize, o.size.h as usize);
    let params = AutoencoderParams::new(arch).backend(o.backend);
    let params = o.fit.apply(params).check()?;
    let mut bar = ProgressBar::new(o.fit.epochs, o.quiet);
    let started = Instant::now();
    let (model, report) = params.fit_with(fit, |p| bar.update(p))?;
    Ok((model, started.elapsed().as_secs_f64(), report.epochs.len()))
}

/// The candidates `--scoring` and `--smooth` leave open, ready: each map
/// reduction's baseline is fitted once, on the error maps of the frames
/// the model learnt, and only when a local reduction is among them.
fn candidates(o: &Cli, model: &FrameAutoencoder, fit: &[Frame]) -> AnyResult<Vec<MapScorer>> {
    let maps = o.scoring.map_or(MAP_CANDIDATES.to_vec(), |m| vec![m]);
    let smooths = o.smooth.map_or(SMOOTH_CANDIDATES.to_vec(), |s| vec![s]);
    let normal = if maps.iter().any(|m| matches!(m, MapScore::Local(_))) {
        model.error_maps(fit)?
    } else {
        Vec::new()
    };
    let mut out = Vec::with_capacity(maps.len() * smooths.len());
    for map in maps {
        let plain = MapScorer::new(FrameScore { map, smooth: 0.0 }, &normal)?;
        for &smooth in &smooths {
            out.push(plain.smoothed(smooth)?);
        }
    }
    Ok(out)
}

/// Every candidate frame score, ready, with its micro ROC AUC on the
/// held-out clips with constructed intruders, and which is chosen: the
/// simplest (the first) within one standard error of the best.
///
/// The one-standard-error rule (Breiman et al. 1984; Hastie, Tibshirani
/// and Friedman, *Elements of Statistical Learning*, 7.10): constructed
/// intruders are easy, and candidates a hair apart on them are not told
/// apart by them, so the difference does not decide, simplicity does. The
/// candidates are listed simplest first (the map's mean before windows,
/// raw windows before local baselines, no smoothing before smoothing).
fn choose(
    o: &Cli,
    model: &FrameAutoencoder,
    candidates: Vec<MapScorer>,
    held: &[Vec<Frame>],
) -> AnyResult<(Vec<(MapScorer, f64)>, usize)> {
    let (mut maps, mut labels) = (Vec::new(), Vec::new());
    for clip in held {
        for i in [intrude(clip)?, fast_forward(clip, FAST_FORWARD)?] {
            maps.push(model.error_maps(&o.input.clip_inputs(&i.frames)?)?);
            labels.push(i.labels);
        }
    }
    let mut all = Vec::new();
    for scorer in candidates {
        let scores = maps
            .iter()
            .map(|m| scorer.clip_scores(m))
            .collect::<Result<Vec<_>, _>>()?;
        let auc = metrics::micro_roc_auc(&refs(&labels), &refs(&scores))?;
        // the clips alternate: cut-out, fast forward
        let kind = |k: usize| {
            let every_other = |i: &usize| i % 2 == k;
            let l: Vec<&[bool]> = (0..labels.len())
                .filter(every_other)
                .map(|i| labels[i].as_slice())
                .collect();
            let s: Vec<&[f64]> = (0..scores.len())
                .filter(every_other)
                .map(|i| scores[i].as_slice())
                .collect();
            metrics::micro_roc_auc(&l, &s)
        };
        println!(
            "  {:<28} AUC on constructed intruders {auc:.3} (cut-out {:.3}, fast forward {:.3})",
            scorer.how().to_string(),
            kind(0)?,
            kind(1)?
        );
        all.push((scorer, auc));
    }
    let best = (0..all.len())
        .reduce(|b, i| if all[i].1 > all[b].1 { i } else { b })
        .ok_or("no frame score to choose from")?;
    let positive = labels.iter().flatten().filter(|&&l| l).count();
    let negative = labels.iter().map(Vec::len).sum::<usize>() - positive;
    let se = auc_standard_error(all[best].1, positive, negative);
    let chosen = (0..all.len())
        .find(|&i| all[i].1 >= all[best].1 - se)
        .unwrap_or(best);
    println!(
        "  best: {} (AUC {:.4} ± {se:.4}); the simplest within one standard error is chosen",
        all[best].0.how(),
        all[best].1
    );
    Ok((all, chosen))
}

/// The standard error of a ROC AUC of `auc` from `positive` and `negative`
/// samples (Hanley and McNeil, Radiology 143, 1982). Frames of a clip are
/// not independent, so it is if anything too small: the rule it serves
/// then leans towards the best rather than the simplest.
fn auc_standard_error(auc: f64, positive: usize, negative: usize) -> f64 {
    let (p, n) = (positive as f64, negative as f64);
    if p < 1.0 || n < 1.0 {
        return 0.0;
    }
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let var =
        (auc * (1.0 - auc) + (p - 1.0) * (q1 - auc * auc) + (n - 1.0) * (q2 - auc * auc)) / (p * n);
    var.max(0.0).sqrt()
}

/// `--diagnose`: every candidate's test figures beside its figure on the
/// constructed intruders. Printed after the choice, never used for it.
fn diagnose(s: &Scored, sigma: f64, all: &[(MapScorer, f64)]) -> AnyResult<()> {
    println!("candidates on the test labels (diagnostic only; the choice used the intruders):");
    println!(
        "  {:<28}{:>10}{:>14}{:>15}",
        "frame score", "intruders", "causal micro", "offline micro"
    );
    let labels = refs(&s.labels);
    for (scorer, val) in all {
        let scores = s
            .raw
            .iter()
            .map(|m| scorer.clip_scores(m))
            .collect::<Result<Vec<_>, _>>()?;
        let causal = metrics::micro_roc_auc(&labels, &refs(&scores))?;
        let off = metrics::micro_roc_auc(&labels, &refs(&offline(&scores, sigma)?))?;
        println!(
            "  {:<28}{val:>10.3}{causal:>14.3}{off:>15.3}",
            scorer.how().to_string()
        );
    }
    Ok(())
}

/// Per test clip: labels, causal scores, pixel maps, masks.
struct Scored {
    labels: Vec<Vec<bool>>,
    scores: Vec<Vec<f64>>,
    maps: Vec<Array2<f32>>,
    masks: Vec<Vec<bool>>,
    tracks: Vec<Option<u32>>,
    /// Every clip's raw error maps, kept for `--diagnose`.
    raw: Vec<Vec<Array2<f32>>>,
    seconds: f64,
}

fn score_test(o: &Cli, ds: &UcsdDataset, scorer: &ClipScorer) -> AnyResult<Scored> {
    let mut s = Scored {
        labels: Vec::new(),
        scores: Vec::new(),
        maps: Vec::new(),
        masks: Vec::new(),
        tracks: Vec::new(),
        raw: Vec::new(),
        seconds: 0.0,
    };
    for (k, clip) in ds.test_clips().iter().enumerate() {
        let labels = clip
            .labels()
            .ok_or_else(|| format!("test clip {} has no labels", clip.name()))?;
        let frames = grey_frames(clip.frames()?, o.size)?;
        let started = Instant::now();
        let maps = scorer.error_maps(&frames)?;
        let scores = scorer.scorer().clip_scores(&maps)?;
        s.seconds += started.elapsed().as_secs_f64();
        if let Some(masks) = model_masks(clip, o.size)? {
            for (m, mask) in maps.iter().zip(masks) {
                s.maps.push(scorer.scorer().pixel_map(m)?);
                // one track per clip: Ped2's clips mostly hold one intruder
                s.tracks.push(mask.contains(&true).then_some(k as u32));
                s.masks.push(mask);
            }
        }
        s.labels.push(labels.to_vec());
        s.scores.push(scores);
        if o.diagnose {
            s.raw.push(maps);
        }
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

/// Pixel-level AUC, RBDC and TBDC of the pixel maps (NaN without masks).
/// RBDC's thresholds sample [0, 1], so the maps are min-max scaled over
/// all of them first (a monotone rescaling: it only places the samples).
fn pixel_figures(s: &Scored, size: Size) -> AnyResult<(f64, f64, f64)> {
    if s.maps.is_empty() {
        return Ok((f64::NAN, f64::NAN, f64::NAN));
    }
    let (lo, hi) = s
        .maps
        .iter()
        .flatten()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let scaled: Vec<Vec<f32>> = s
        .maps
        .iter()
        .map(|m| {
            m.iter()
                .map(|&v| (v - lo) / (hi - lo).max(f32::MIN_POSITIVE))
                .collect()
        })
        .collect();
    let maps = refs(&scaled);
    let pixel = metrics::pixel_roc_auc(&maps, &refs(&s.masks))?;
    let truth: Vec<FrameTruth<'_>> = s
        .masks
        .iter()
        .zip(&s.tracks)
        .map(|(mask, &track)| FrameTruth { mask, track })
        .collect();
    let c = metrics::region_track_curve(&maps, &truth, size.w as usize, &RegionParams::default())?;
    Ok((pixel, c.rbdc, c.tbdc.unwrap_or(f64::NAN)))
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
    let t = training_frames(&ds, o.size, o.input)?;
    let held_frames: usize = t.held.iter().map(Vec::len).sum();
    println!(
        "training on {} frames, {} frames of {} held-out clips choose the score and the threshold ({})",
        t.fit.len(),
        held_frames,
        t.held.len(),
        o.backend
    );
    let (model, train_s, epochs) = train(o, &t.fit)?;
    println!("trained {epochs} epochs in {train_s:.1} s");
    let (all, best) = choose(o, &model, candidates(o, &model, &t.fit)?, &t.held)?;
    let val_auc = all[best].1;
    let scorer = ClipScorer::new(model, o.input, all[best].0.clone())?;
    println!(
        "frame score: {} (AUC {val_auc:.3} on constructed intruders)",
        scorer.scorer().how()
    );
    let mut cal = Vec::new();
    for clip in &t.held {
        cal.extend(scorer.score_clip(clip)?);
    }
    let threshold = Threshold::calibrate(Calibration::Conformal(o.rate), &cal)?;
    if let Some(path) = &o.save {
        FramePipeline::new(scorer.clone())
            .with_threshold(threshold.clone())
            .save(path)?;
        println!(
            "saved the model, its input, frame score and threshold to {}",
            path.display()
        );
    }

    let s = score_test(o, &ds, &scorer)?;
    if o.diagnose {
        diagnose(&s, o.sigma, &all)?;
    }
    let (labels, scores) = (refs(&s.labels), refs(&s.scores));
    let all_labels: Vec<bool> = s.labels.concat();
    let all_scores: Vec<f64> = s.scores.concat();
    let smoothed = offline(&s.scores, o.sigma)?;
    let (pixel_auc, rbdc, tbdc) = pixel_figures(&s, o.size)?;
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
        train_clips: ds.train_clips().len() - t.held.len(),
        calibration_clips: t.held.len(),
        test_clips: labels.len(),
        test_frames: all_scores.len(),
        size: o.size.to_string(),
        input: o.input.to_string(),
        scoring: scorer.scorer().how().to_string(),
        val_auc,
        parameters: scorer.model().parameters(),
        device: scorer.model().backend().to_string(),
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
        pixel_auc,
        rbdc,
        tbdc,
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
    println!("{:<28}{:>12.3}", "RBDC", r.rbdc);
    println!("{:<28}{:>12.3}", "TBDC (a track per clip)", r.tbdc);
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

    #[test]
    fn the_auc_standard_error_agrees_with_mann_whitney_at_chance() {
        // at AUC 0.5 Hanley and McNeil's variance is the Mann-Whitney U
        // statistic's null variance, (p + n + 1) / (12 p n)
        for (p, n) in [(50, 50), (10, 300), (1, 2)] {
            let (pf, nf) = (p as f64, n as f64);
            let want = ((pf + nf + 1.0) / (12.0 * pf * nf)).sqrt();
            let got = super::auc_standard_error(0.5, p, n);
            assert!((got - want).abs() < 1e-12, "{p} {n}: {got} {want}");
        }
        assert_eq!(super::auc_standard_error(1.0, 40, 40), 0.0);
        assert_eq!(super::auc_standard_error(0.9, 0, 40), 0.0);
        // more samples, a smaller error
        let se = |k| super::auc_standard_error(0.95, k, k);
        assert!(se(1000) < se(100) && se(100) < se(10));
    }
}
