//! The UCSD anomaly-detection dataset layout (Ped1, Ped2) with its
//! frame-level labels, so a detector can be evaluated on it without glue
//! code.
//!
//! ```text
//! UCSDped2/
//!   Train/Train001/001.tif ...        normal clips
//!   Test/Test001/001.tif ...          test clips
//!   Test/Test001_gt/001.bmp ...       pixel masks of the anomalies (when given)
//!   Test/UCSDped2.m                   anomalous frame ranges per test clip
//! ```
//!
//! A test frame is anomalous when its mask has a non-zero pixel; clips
//! without masks take their labels from the `.m` file's
//! `TestVideoFile{end+1}.gt_frame = [a:b, ...];` lines (1-based, inclusive;
//! the n-th line belongs to the n-th test clip). A clip with neither has
//! no labels.

use std::path::{Path, PathBuf};

use crate::sequence::{natural_cmp, ImageSequence};
use crate::SourceError;

/// One test clip: its frames and, when the dataset gives them, a label per
/// frame (`true` = anomalous).
#[derive(Debug, Clone)]
pub struct UcsdClip {
    name: String,
    dir: PathBuf,
    labels: Option<Vec<bool>>,
}

impl UcsdClip {
    /// The clip's folder name (`Test001`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its frames, in order (UCSD is about 10 frames per second).
    ///
    /// # Errors
    /// As [`ImageSequence::open`].
    pub fn frames(&self) -> Result<ImageSequence, SourceError> {
        ImageSequence::open(&self.dir)?.frame_rate(10, 1)
    }

    /// One label per frame, `true` for anomalous; `None` when the dataset
    /// gives none for this clip.
    pub fn labels(&self) -> Option<&[bool]> {
        self.labels.as_deref()
    }
}

/// A UCSD dataset folder (`UCSDped1` or `UCSDped2`).
#[derive(Debug, Clone)]
pub struct UcsdDataset {
    train: Vec<PathBuf>,
    test: Vec<UcsdClip>,
}

impl UcsdDataset {
    /// Finds the clips under `root/Train` and `root/Test` and reads the
    /// labels.
    ///
    /// # Errors
    /// [`SourceError::Io`] when a folder cannot be listed,
    /// [`SourceError::Malformed`] when `Train` or `Test` holds no clip, a
    /// mask folder has a different frame count than its clip, or the `.m`
    /// file names frames outside a clip.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, SourceError> {
        let root = root.as_ref();
        let train = clip_dirs(&root.join("Train"), "Train")?;
        let test_dir = root.join("Test");
        let ranges = match m_file(&test_dir)? {
            Some(text) => parse_gt_ranges(&text)?,
            None => Vec::new(),
        };
        let mut test = Vec::new();
        for (k, dir) in clip_dirs(&test_dir, "Test")?.into_iter().enumerate() {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let n_frames = ImageSequence::open(&dir)?.len();
            let gt = test_dir.join(format!("{name}_gt"));
            let labels = if gt.is_dir() {
                Some(mask_labels(&gt, n_frames)?)
            } else if let Some(r) = ranges.get(k) {
                Some(range_labels(r, n_frames, &name)?)
            } else {
                None
            };
            test.push(UcsdClip { name, dir, labels });
        }
        Ok(Self { train, test })
    }

    /// The training clips' folders (normal footage), in order.
    pub fn train_clips(&self) -> &[PathBuf] {
        &self.train
    }

    /// The test clips, in order.
    pub fn test_clips(&self) -> &[UcsdClip] {
        &self.test
    }
}

/// `prefix###` folders of `dir`, natural order (mask folders excluded).
fn clip_dirs(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let digits = name.strip_prefix(prefix).unwrap_or("");
        if path.is_dir() && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            out.push(path);
        }
    }
    if out.is_empty() {
        return Err(SourceError::Malformed {
            offset: 0,
            message: format!("no {prefix}### clip folder in {}", dir.display()),
        });
    }
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(out)
}

/// The `.m` label file of the test folder, if any.
fn m_file(test_dir: &Path) -> Result<Option<String>, SourceError> {
    for entry in std::fs::read_dir(test_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "m") {
            return Ok(Some(std::fs::read_to_string(path)?));
        }
    }
    Ok(None)
}

/// The `[a:b, c, ...]` lists of the `gt_frame` lines, one per test clip.
fn parse_gt_ranges(text: &str) -> Result<Vec<Vec<(usize, usize)>>, SourceError> {
    let mut clips = Vec::new();
    let mut offset = 0u64;
    for line in text.lines() {
        let at = offset;
        offset += line.len() as u64 + 1;
        if !line.contains("gt_frame") {
            continue;
        }
        let bad = || SourceError::Malformed {
            offset: at,
            message: format!("cannot read frame ranges from {line:?}"),
        };
        let open = line.find('[').ok_or_else(bad)?;
        let close = line[open..].find(']').ok_or_else(bad)? + open;
        let mut ranges = Vec::new();
        for part in line[open + 1..close]
            .split([',', ' '])
            .filter(|p| !p.is_empty())
        {
            let (a, b) = match part.split_once(':') {
                Some((a, b)) => (a.trim().parse(), b.trim().parse()),
                None => (part.trim().parse(), part.trim().parse()),
            };
            let (a, b): (usize, usize) = (a.map_err(|_| bad())?, b.map_err(|_| bad())?);
            if a == 0 || b < a {
                return Err(bad());
            }
            ranges.push((a, b));
        }
        clips.push(ranges);
    }
    Ok(clips)
}

fn range_labels(ranges: &[(usize, usize)], n: usize, clip: &str) -> Result<Vec<bool>, SourceError> {
    let mut labels = vec![false; n];
    for &(a, b) in ranges {
        if b > n {
            return Err(SourceError::Malformed {
                offset: 0,
                message: format!("{clip}: anomalous frames {a}:{b} beyond its {n} frames"),
            });
        }
        labels[a - 1..b].iter_mut().for_each(|l| *l = true);
    }
    Ok(labels)
}

fn mask_labels(gt: &Path, n: usize) -> Result<Vec<bool>, SourceError> {
    let masks = ImageSequence::open(gt)?;
    if masks.len() != n {
        return Err(SourceError::Malformed {
            offset: 0,
            message: format!(
                "{} holds {} masks for {n} frames",
                gt.display(),
                masks.len()
            ),
        });
    }
    masks
        .map(|m| m.map(|m| m.as_bytes().iter().any(|&v| v != 0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gt_ranges_parse_like_the_dataset_files() {
        let text = "TestVideoFile = {};\n\
                    TestVideoFile{end+1}.gt_frame = [60:152];\n\
                    TestVideoFile{end+1}.gt_frame = [50:175];\n\
                    TestVideoFile{end+1}.gt_frame = [5:90, 140:200];\n\
                    TestVideoFile{end+1}.gt_frame = [7];\n";
        let r = parse_gt_ranges(text).unwrap();
        assert_eq!(
            r,
            vec![
                vec![(60, 152)],
                vec![(50, 175)],
                vec![(5, 90), (140, 200)],
                vec![(7, 7)]
            ]
        );
        let l = range_labels(&r[2], 200, "Test003").unwrap();
        assert!(!l[3] && l[4] && l[89] && !l[90] && l[139] && l[199]);
        assert!(range_labels(&r[2], 150, "Test003").is_err());
        assert!(parse_gt_ranges("x.gt_frame = [3:1];").is_err());
        assert!(parse_gt_ranges("x.gt_frame = 3;").is_err());
    }
}
