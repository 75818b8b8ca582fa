//! Stream metadata from `ffprobe`'s `flat` output.

use std::time::Duration;

use crate::SourceError;

/// What `ffprobe` reports about the first video stream of an input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VideoInfo {
    /// Container format as ffprobe names it (`avi`, `mov,mp4,m4a,...`).
    pub format: String,
    /// Codec of the video stream (`h264`, `msmpeg4v3`, ...).
    pub codec: String,
    /// Coded width in pixels.
    pub width: u32,
    /// Coded height in pixels.
    pub height: u32,
    /// Average frame rate `(num, den)`, falling back to the stream's base
    /// rate; `None` when ffprobe knows neither.
    pub frame_rate: Option<(u32, u32)>,
    /// Number of frames, when the container states it.
    pub frames: Option<u64>,
    /// Duration of the stream (or of the input), when known.
    pub duration: Option<Duration>,
    /// Bit rate in bit/s of the stream (or of the input), when known.
    pub bit_rate: Option<u64>,
    /// Display rotation in degrees from the stream's side data (0 if none).
    pub rotation: i32,
    /// Whether the pictures come at a variable rate: the stream's average
    /// rate differs from its base rate, or the gaps between the first
    /// [`PROBED_PACKETS`] pictures' timestamps differ by more than half the
    /// shortest gap (a dropped or held picture). `None` when neither could
    /// be judged.
    pub variable_rate: Option<bool>,
}

/// Packets whose timestamps [`VideoInfo::variable_rate`] looks at.
pub const PROBED_PACKETS: usize = 64;

impl VideoInfo {
    /// Width and height of the frames ffmpeg shows: the coded size, swapped
    /// when the display rotation is a quarter turn.
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation.rem_euclid(180) == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// Parses what `ffprobe -select_streams v:0 -of flat -show_entries
    /// stream=...:format=...` prints (the fields above; others are
    /// ignored).
    ///
    /// ```
    /// use video_features::ffmpeg::VideoInfo;
    /// let info = VideoInfo::parse_ffprobe(
    ///     "streams.stream.0.width=768\nstreams.stream.0.height=576\n\
    ///      streams.stream.0.avg_frame_rate=\"10/1\"\n",
    /// )?;
    /// assert_eq!((info.width, info.height, info.frame_rate), (768, 576, Some((10, 1))));
    /// # Ok::<(), video_features::SourceError>(())
    /// ```
    ///
    /// # Errors
    /// [`SourceError::Ffmpeg`] naming the field that is missing or
    /// malformed (no width or height means no video stream).
    pub fn parse_ffprobe(text: &str) -> Result<Self, SourceError> {
        Self::parse_flat(text).map_err(|message| SourceError::Ffmpeg {
            program: "ffprobe".into(),
            message,
        })
    }

    pub(super) fn parse_flat(text: &str) -> Result<Self, String> {
        let mut info = Self::default();
        let (mut avg_rate, mut base_rate) = (None, None);
        let (mut stream_duration, mut format_duration) = (None, None);
        let (mut stream_rate, mut format_rate) = (None, None);
        let (mut width, mut height) = (None, None);
        let mut pts: Vec<i64> = Vec::new();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            let field = |prefix: &str| key.strip_prefix(prefix);
            if let Some(k) = field("streams.stream.0.") {
                match k {
                    "codec_name" => info.codec = value.to_owned(),
                    "width" => width = Some(parse_dim("width", value)?),
                    "height" => height = Some(parse_dim("height", value)?),
                    "avg_frame_rate" => avg_rate = parse_rate(value),
                    "r_frame_rate" => base_rate = parse_rate(value),
                    "nb_frames" => info.frames = value.parse().ok(),
                    "duration" => stream_duration = parse_seconds(value),
                    "bit_rate" => stream_rate = value.parse().ok(),
                    _ if k.ends_with(".rotation") => {
                        info.rotation = value
                            .parse::<f64>()
                            .ok()
                            .filter(|r| r.is_finite() && r.abs() <= 360.0)
                            .map_or(0, |r| r.round() as i32);
                    }
                    _ => {}
                }
            } else if let Some(k) = field("packets.packet.") {
                if k.ends_with(".pts") && pts.len() < PROBED_PACKETS {
                    pts.extend(value.parse::<i64>().ok());
                }
            } else if let Some(k) = field("format.") {
                match k {
                    "format_name" => info.format = value.to_owned(),
                    "duration" => format_duration = parse_seconds(value),
                    "bit_rate" => format_rate = value.parse().ok(),
                    _ => {}
                }
            }
        }
        info.width = width.ok_or("no video stream (ffprobe reported no width)")?;
        info.height = height.ok_or("no video stream (ffprobe reported no height)")?;
        info.frame_rate = avg_rate.or(base_rate);
        let rates_differ = avg_rate.zip(base_rate).map(|((an, ad), (bn, bd))| {
            u64::from(an) * u64::from(bd) != u64::from(bn) * u64::from(ad)
        });
        info.variable_rate = match (rates_differ, uneven_gaps(pts)) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        info.duration = stream_duration.or(format_duration);
        info.bit_rate = stream_rate.or(format_rate);
        Ok(info)
    }
}

/// Whether the gaps between the sorted timestamps differ by more than half
/// the shortest (timestamps in a millisecond time base wobble by one tick,
/// a missing picture doubles a gap); `None` for fewer than three. Packets
/// come in decoding order, so the last ones read may lack pictures shown
/// before them: only the earlier half of the sorted times counts.
fn uneven_gaps(mut pts: Vec<i64>) -> Option<bool> {
    pts.sort_unstable();
    pts.dedup();
    if pts.len() >= 8 {
        pts.truncate(pts.len() / 2);
    }
    let gaps: Vec<i64> = pts.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
    let (min, max) = (*gaps.iter().min()?, *gaps.iter().max()?);
    (gaps.len() >= 2).then_some(max.saturating_sub(min) > min / 2)
}

fn parse_dim(what: &str, value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("ffprobe reported {what} {value:?}, not a positive integer"))
}

/// `num/den` with both positive, else `None` (ffprobe writes `0/0` for
/// unknown rates).
fn parse_rate(value: &str) -> Option<(u32, u32)> {
    let (n, d) = value.split_once('/')?;
    let (n, d) = (n.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
    (n > 0 && d > 0).then_some((n, d))
}

fn parse_seconds(value: &str) -> Option<Duration> {
    let s = value.parse::<f64>().ok()?;
    Duration::try_from_secs_f64(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VTEST: &str = r#"streams.stream.0.codec_name="msmpeg4v3"
streams.stream.0.width=768
streams.stream.0.height=576
streams.stream.0.r_frame_rate="10/1"
streams.stream.0.avg_frame_rate="10/1"
streams.stream.0.duration="79.500000"
streams.stream.0.nb_frames="795"
format.format_name="avi"
format.duration="79.500000"
format.bit_rate="818283"
"#;

    #[test]
    fn parses_ffprobe_flat_output() {
        let info = VideoInfo::parse_flat(VTEST).unwrap();
        assert_eq!((info.width, info.height), (768, 576));
        assert_eq!(info.frame_rate, Some((10, 1)));
        assert_eq!(info.frames, Some(795));
        assert_eq!(info.duration, Some(Duration::from_millis(79_500)));
        assert_eq!(info.bit_rate, Some(818_283));
        assert_eq!(
            (info.codec.as_str(), info.format.as_str()),
            ("msmpeg4v3", "avi")
        );
        assert_eq!(info.display_size(), (768, 576));
        assert_eq!(info.variable_rate, Some(false));
    }

    #[test]
    fn variable_rate_from_rates_or_gaps() {
        let stream = "streams.stream.0.width=8\nstreams.stream.0.height=8\n";
        let packets = |pts: &[i64]| -> String {
            pts.iter()
                .enumerate()
                .map(|(i, p)| format!("packets.packet.{i}.pts={p}\n"))
                .collect()
        };
        let judge = |extra: &str| {
            VideoInfo::parse_flat(&format!("{stream}{extra}"))
                .unwrap()
                .variable_rate
        };
        assert_eq!(judge(""), None);
        // a millisecond time base at 29.97 fps, in decoding order: even
        assert_eq!(
            judge(&packets(&[0, 133, 33, 67, 100, 200, 167])),
            Some(false)
        );
        // pictures 3 and 5 missing
        assert_eq!(judge(&packets(&[0, 33, 67, 133, 200, 233])), Some(true));
        // decoding order reads picture 9 before picture 8: the end is not judged
        let reordered: Vec<i64> = (0..8).map(|i| i * 1001).chain([9009]).collect();
        assert_eq!(judge(&packets(&reordered)), Some(false));
        let rates = "streams.stream.0.avg_frame_rate=\"3000/143\"\n\
            streams.stream.0.r_frame_rate=\"30000/1001\"\n";
        assert_eq!(judge(rates), Some(true));
        let even =
            "streams.stream.0.avg_frame_rate=\"10/1\"\nstreams.stream.0.r_frame_rate=\"20/2\"\n";
        assert_eq!(judge(even), Some(false));
    }

    #[test]
    fn unknown_values_and_rotation() {
        let text = "streams.stream.0.width=320\nstreams.stream.0.height=240\n\
            streams.stream.0.avg_frame_rate=\"0/0\"\nstreams.stream.0.r_frame_rate=\"25/1\"\n\
            streams.stream.0.nb_frames=\"N/A\"\nstreams.stream.0.duration=\"N/A\"\n\
            streams.stream.0.side_data_list.side_data.0.rotation=-90\n";
        let info = VideoInfo::parse_flat(text).unwrap();
        assert_eq!(info.frame_rate, Some((25, 1)));
        assert_eq!((info.frames, info.duration), (None, None));
        assert_eq!(info.display_size(), (240, 320));
    }

    #[test]
    fn missing_or_bad_size_is_an_error() {
        assert!(VideoInfo::parse_flat("format.format_name=\"mp3\"\n")
            .unwrap_err()
            .contains("no video stream"));
        let err = VideoInfo::parse_flat("streams.stream.0.width=0\n").unwrap_err();
        assert!(err.contains("width"), "{err}");
    }
}
