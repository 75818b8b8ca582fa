//! The UCSD anomaly-detection dataset (Ped1, Ped2) with its frame-level
//! labels and pixel masks, so a detector can be evaluated on it without glue
//! code. Two layouts are read:
//!
//! ```text
//! UCSDped2/                           the original distribution
//!   Train/Train001/001.tif ...        normal clips
//!   Test/Test001/001.tif ...          test clips
//!   Test/Test001_gt/001.bmp ...       pixel masks of the anomalies (when given)
//!   Test/UCSDped2.m                   anomalous frame ranges per test clip
//!
//! ucsd_ped2/                          the frames layout of later papers' code
//!   training/frames/01/000.jpg ...    normal clips
//!   testing/frames/01/000.jpg ...     test clips
//!   testing/frame_labels.csv          video,frame,abnormal (0-based frames)
//!   testing/masks/01/000.png ...      pixel masks (when given)
//! ```
//!
//! In the original layout a test frame is anomalous when its mask has a
//! non-zero pixel; clips without masks take their labels from the `.m`
//! file's `TestVideoFile{end+1}.gt_frame = [a:b, ...];` lines (1-based,
//! inclusive; the n-th line belongs to the n-th test clip). In the frames
//! layout the labels file gives them ([`parse_frame_labels`]). A clip with
//! neither has no labels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::sequence::{natural_cmp, ImageSequence};
use crate::SourceError;

/// UCSD footage runs at about 10 frames per second.
const FRAME_RATE: u32 = 10;

/// One test clip: its frames and, when the dataset gives them, a label per
/// frame (`true` = anomalous) and a pixel mask per frame.
#[derive(Debug, Clone)]
pub struct UcsdClip {
    name: String,
    dir: PathBuf,
    labels: Option<Vec<bool>>,
    masks: Option<PathBuf>,
}

impl UcsdClip {
    /// The clip's folder name (`Test001`, or `01` in the frames layout).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its frames, in order (UCSD is about 10 frames per second).
    ///
    /// # Errors
    /// As [`ImageSequence::open`].
    pub fn frames(&self) -> Result<ImageSequence, SourceError> {
        ImageSequence::open(&self.dir)?.frame_rate(FRAME_RATE, 1)
    }

    /// Its pixel masks, one image per frame (non-zero = anomalous pixel),
    /// at the frames' size; `None` when the dataset gives none for this
    /// clip.
    ///
    /// # Errors
    /// As [`ImageSequence::open`].
    pub fn masks(&self) -> Result<Option<ImageSequence>, SourceError> {
        self.masks
            .as_ref()
            .map(|dir| ImageSequence::open(dir)?.frame_rate(FRAME_RATE, 1))
            .transpose()
    }

    /// One label per frame, `true` for anomalous; `None` when the dataset
    /// gives none for this clip.
    pub fn labels(&self) -> Option<&[bool]> {
        self.labels.as_deref()
    }
}

/// A UCSD dataset folder (`UCSDped1`, `UCSDped2`, or the frames layout).
///
/// ```no_run
/// use video_features::ucsd::UcsdDataset;
///
/// let ped2 = UcsdDataset::open("../shared/data/ucsd_ped2")?;
/// for clip in ped2.test_clips() {
///     let abnormal = clip.labels().map_or(0, |l| l.iter().filter(|&&a| a).count());
///     println!("{}: {} frames, {abnormal} abnormal", clip.name(), clip.frames()?.len());
/// }
/// # Ok::<(), video_features::SourceError>(())
/// ```
#[derive(Debug, Clone)]
pub struct UcsdDataset {
    train: Vec<PathBuf>,
    test: Vec<UcsdClip>,
}

impl UcsdDataset {
    /// Finds the clips and reads the labels: the frames layout when
    /// `root/training/frames` exists, the original one (`root/Train`,
    /// `root/Test`) otherwise.
    ///
    /// # Errors
    /// [`SourceError::Io`] when a folder or the labels file cannot be read,
    /// [`SourceError::Malformed`] when the training or test folder holds no
    /// clip, a mask folder has a different frame count than its clip, or
    /// the labels (`.m` file, labels CSV) are malformed or name frames or
    /// clips that are not there.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, SourceError> {
        let root = root.as_ref();
        if root.join("training/frames").is_dir() {
            Self::open_frames_layout(root)
        } else {
            Self::open_original(root)
        }
    }

    fn open_original(root: &Path) -> Result<Self, SourceError> {
        let train = clip_dirs(&root.join("Train"), "Train")?;
        let test_dir = root.join("Test");
        let ranges = match m_file(&test_dir)? {
            Some(text) => parse_gt_ranges(&text)?,
            None => Vec::new(),
        };
        let mut test = Vec::new();
        for (k, dir) in clip_dirs(&test_dir, "Test")?.into_iter().enumerate() {
            let name = dir_name(&dir);
            let n_frames = ImageSequence::open(&dir)?.len();
            let gt = test_dir.join(format!("{name}_gt"));
            let masks = gt.is_dir().then_some(gt);
            let labels = if let Some(gt) = &masks {
                Some(mask_labels(gt, n_frames)?)
            } else if let Some(r) = ranges.get(k) {
                Some(range_labels(r, n_frames, &name)?)
            } else {
                None
            };
            test.push(UcsdClip {
                name,
                dir,
                labels,
                masks,
            });
        }
        Ok(Self { train, test })
    }

    fn open_frames_layout(root: &Path) -> Result<Self, SourceError> {
        let train = clip_dirs(&root.join("training/frames"), "")?;
        let testing = root.join("testing");
        let labels_path = testing.join("frame_labels.csv");
        let mut labels = if labels_path.is_file() {
            parse_frame_labels(&std::fs::read_to_string(&labels_path)?)?
        } else {
            BTreeMap::new()
        };
        let mut test = Vec::new();
        for dir in clip_dirs(&testing.join("frames"), "")? {
            let name = dir_name(&dir);
            let n_frames = ImageSequence::open(&dir)?.len();
            let masks = testing.join("masks").join(&name);
            let masks = masks.is_dir().then_some(masks);
            if let Some(m) = &masks {
                check_mask_count(m, n_frames)?;
            }
            let clip_labels = labels.remove(&name);
            if let Some(l) = &clip_labels {
                if l.len() != n_frames {
                    return Err(malformed(format!(
                        "{}: clip {name} has {n_frames} frames, the labels {}",
                        labels_path.display(),
                        l.len()
                    )));
                }
            }
            test.push(UcsdClip {
                name,
                dir,
                labels: clip_labels,
                masks,
            });
        }
        if let Some(name) = labels.keys().next() {
            return Err(malformed(format!(
                "{} labels clip {name:?}, which {} does not hold",
                labels_path.display(),
                testing.join("frames").display()
            )));
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

/// `prefix###` folders of `dir` (any all-digit name for an empty prefix),
/// natural order (mask folders excluded).
fn clip_dirs(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = dir_name(&path);
        let digits = name.strip_prefix(prefix).unwrap_or("");
        if path.is_dir() && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            out.push(path);
        }
    }
    if out.is_empty() {
        return Err(malformed(format!(
            "no {prefix}### clip folder in {}",
            dir.display()
        )));
    }
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(out)
}

fn dir_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn malformed(message: String) -> SourceError {
    SourceError::Malformed { offset: 0, message }
}

/// Reads a frame labels table, `video,frame,abnormal` with a header (the
/// frames layout's `testing/frame_labels.csv`): one row per frame, `frame`
/// counting from 0 within its video, `abnormal` 0 or 1. Returns each
/// video's labels in frame order (`true` = anomalous).
///
/// ```
/// let labels = video_features::ucsd::parse_frame_labels(
///     "video,frame,abnormal\n01,0,0\n01,1,1\n02,0,1\n",
/// )?;
/// assert_eq!(labels["01"], vec![false, true]);
/// assert_eq!(labels["02"], vec![true]);
/// # Ok::<(), video_features::SourceError>(())
/// ```
///
/// # Errors
/// [`SourceError::Malformed`], with the byte offset of the row, for another
/// header, a row without three fields, a frame that is not a number, a
/// label other than 0 or 1, or a video whose frames are not 0, 1, 2, ... in
/// order.
pub fn parse_frame_labels(text: &str) -> Result<BTreeMap<String, Vec<bool>>, SourceError> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    if header.trim().replace(' ', "") != "video,frame,abnormal" {
        return Err(malformed(format!(
            "frame labels: header {header:?} is not video,frame,abnormal"
        )));
    }
    let mut out: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let mut offset = header.len() as u64 + 1;
    for line in lines {
        let at = offset;
        offset += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| SourceError::Malformed {
            offset: at,
            message: format!("frame labels: row {line:?}: {why}"),
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let &[video, frame, abnormal] = fields.as_slice() else {
            return Err(bad("not three fields"));
        };
        let frame: usize = frame.parse().map_err(|_| bad("frame is not a number"))?;
        let abnormal = match abnormal {
            "0" => false,
            "1" => true,
            _ => return Err(bad("abnormal is not 0 or 1")),
        };
        let clip = out.entry(video.to_string()).or_default();
        if frame != clip.len() {
            return Err(bad(&format!(
                "expected frame {} of video {video}",
                clip.len()
            )));
        }
        clip.push(abnormal);
    }
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

fn check_mask_count(gt: &Path, n: usize) -> Result<ImageSequence, SourceError> {
    let masks = ImageSequence::open(gt)?;
    if masks.len() != n {
        return Err(malformed(format!(
            "{} holds {} masks for {n} frames",
            gt.display(),
            masks.len()
        )));
    }
    Ok(masks)
}

fn mask_labels(gt: &Path, n: usize) -> Result<Vec<bool>, SourceError> {
    check_mask_count(gt, n)?
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

    #[test]
    fn frame_labels_must_count_each_video_from_zero() {
        let ok = parse_frame_labels("video,frame,abnormal\r\n01,0,0\r\n01,1,1\r\n\n").unwrap();
        assert_eq!(ok["01"], vec![false, true]);
        for bad in [
            "",
            "clip,frame,abnormal\n01,0,0\n",
            "video,frame,abnormal\n01,1,0\n",
            "video,frame,abnormal\n01,0,0\n01,0,1\n",
            "video,frame,abnormal\n01,0\n",
            "video,frame,abnormal\n01,-1,0\n",
            "video,frame,abnormal\n01,0,yes\n",
            "video,frame,abnormal\n01,0,0,1\n",
        ] {
            assert!(parse_frame_labels(bad).is_err(), "{bad:?}");
        }
        let err = parse_frame_labels("video,frame,abnormal\n01,0,0\n01,5,0\n").unwrap_err();
        assert!(
            matches!(err, SourceError::Malformed { offset: 28, .. }),
            "{err}"
        );
    }
}
