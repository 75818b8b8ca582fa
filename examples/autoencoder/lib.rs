//! Helpers shared by the autoencoder examples (`cargo run --release
//! --example surveillance_autoencoder`, `--example stream_monitor`,
//! `--example ucsd_ped2`): reading any source as model-sized grey frames,
//! a progress bar for training, the training options they share, and
//! constructed intruders for choosing settings without anomalous data.

pub mod clips;
pub mod intruder;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use conv_autoencoder::{AutoencoderParams, Progress};
use oddframe::Frame;
use video_features::open::{open, OpenOptions};
use video_features::preprocess::Preprocess;
use video_features::{PixelFormat, SourceError};

pub use oddframe_examples_video::{peak_memory_mib, testdata};

/// The training options the autoencoder examples share.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// At most this many epochs (early stopping after 5 without improvement).
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    /// Frames per Adam step.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Seed of the weights, the split and the shuffles.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl TrainArgs {
    /// `params` with these epochs, batch, learning rate and seeds.
    pub fn apply(&self, params: AutoencoderParams) -> AutoencoderParams {
        params
            .epochs(self.epochs)
            .batch_size(self.batch)
            .learning_rate(self.lr)
            .seed(self.seed)
            .init_seed(self.seed)
    }
}

/// The frames of `input` (a file or URL ffmpeg reads, a `.y4m` file or a
/// directory of images) as `width` x `height` grey frames, one every
/// `every_ms` milliseconds, within `span_s` (start and length in seconds;
/// ffmpeg inputs only). ffmpeg scales its inputs itself; the others are
/// converted with BT.601 luma and resized here.
///
/// # Errors
/// The source's errors.
pub fn grey_frames(
    input: &Path,
    every_ms: u32,
    (width, height): (u32, u32),
    span_s: Option<(f64, f64)>,
) -> Result<impl Iterator<Item = Result<Frame, SourceError>>, SourceError> {
    let native = input.is_dir() || input.extension().is_some_and(|e| e == "y4m");
    let mut o = OpenOptions::new()
        .format(PixelFormat::Luma)
        .every_ms(every_ms);
    if !native {
        o = o.size(width, height);
    }
    if let Some((start, len)) = span_s {
        let secs = |s: f64| {
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| SourceError::Unsupported(format!("time {s} s")))
        };
        o = o.span(secs(start)?, secs(len)?);
    }
    let opened = open(input, o)?;
    let fit = Preprocess::new().grey(true).resize(width, height);
    Ok(opened.frames.map(move |f| {
        let f = f?;
        if f.width() == width && f.height() == height && f.channels() == 1 {
            Ok(f)
        } else {
            fit.apply(&f)
        }
    }))
}

/// A one-line progress bar for [`conv_autoencoder::AutoencoderValidParams::fit_with`],
/// redrawn on standard error: epoch, a bar over the epoch's batches, the
/// running loss, and a line per finished epoch.
#[derive(Debug)]
pub struct ProgressBar {
    epochs: usize,
    started: Instant,
    quiet: bool,
}

impl ProgressBar {
    /// A bar for up to `epochs` epochs; `quiet` draws nothing.
    pub fn new(epochs: usize, quiet: bool) -> Self {
        Self {
            epochs,
            started: Instant::now(),
            quiet,
        }
    }

    /// Draws one progress event.
    pub fn update(&mut self, p: &Progress) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        // a closed stderr is no reason to stop training
        let _ = match p {
            Progress::Batch {
                epoch,
                batch,
                batches,
                loss,
            } => write!(
                err,
                "\r  epoch {epoch:>3}/{} [{}] {batch}/{batches} loss {loss:.5} ",
                self.epochs,
                bar(*batch, *batches, 24)
            ),
            Progress::Epoch(e) => writeln!(
                err,
                "\r  epoch {:>3}/{} train loss {:.5}, validation loss {}, {:.1} frames/s, {:.0} s elapsed",
                e.epoch,
                self.epochs,
                e.train_loss,
                e.validation_loss
                    .map_or_else(|| "-".into(), |v| format!("{v:.5}")),
                e.frames_per_s,
                self.started.elapsed().as_secs_f64()
            ),
            _ => Ok(()),
        };
    }
}

/// `done` of `total` as `width` characters of `#` and `.`.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done.min(total) * width)
        .checked_div(total)
        .unwrap_or(width);
    format!("{}{}", "#".repeat(filled), ".".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_fills_in_proportion() {
        assert_eq!(bar(0, 4, 8), "........");
        assert_eq!(bar(1, 4, 8), "##......");
        assert_eq!(bar(4, 4, 8), "########");
        assert_eq!(bar(9, 4, 8), "########");
        assert_eq!(bar(0, 0, 3), "###");
    }
}
