//! The YUV4MPEG2 stream header: `YUV4MPEG2 W.. H.. F.. I.. A.. C.. X..`.

use crate::SourceError;

/// Longest header or frame-header line accepted, in bytes.
pub(crate) const MAX_LINE: usize = 4096;

/// Field order of the stream (`I` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Interlace {
    /// `Ip`: progressive frames.
    Progressive,
    /// `It`: interlaced, top field first.
    TopFieldFirst,
    /// `Ib`: interlaced, bottom field first.
    BottomFieldFirst,
    /// `Im`: mixed, given per frame.
    Mixed,
    /// `I?` or no tag.
    Unknown,
}

/// Chroma layout of a stream (`C` tag; the sample depth is
/// [`Y4mHeader::bit_depth`]). The three 4:2:0 variants
/// differ only in where the chroma samples sit relative to the luma
/// samples; the planes have the same size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Colorspace {
    /// `C420jpeg` (also the default without a `C` tag): 4:2:0, chroma
    /// centred between luma samples (JPEG, MPEG-1).
    C420Jpeg,
    /// `C420mpeg2`: 4:2:0, chroma co-sited horizontally, centred vertically.
    C420Mpeg2,
    /// `C420paldv`: 4:2:0, PAL DV siting (chroma lines alternate).
    C420Paldv,
    /// `C420`: 4:2:0, chroma co-sited with the top-left luma sample.
    C420Cosited,
    /// `C422`: 4:2:2.
    C422,
    /// `C444`: 4:4:4.
    C444,
    /// `Cmono`: luma only.
    Mono,
}

impl Colorspace {
    fn parse(v: &str) -> Result<Self, String> {
        Ok(match v {
            "420jpeg" => Colorspace::C420Jpeg,
            "420mpeg2" => Colorspace::C420Mpeg2,
            "420paldv" => Colorspace::C420Paldv,
            "420" => Colorspace::C420Cosited,
            "422" => Colorspace::C422,
            "444" => Colorspace::C444,
            "mono" => Colorspace::Mono,
            other => return Err(other.to_string()),
        })
    }

    /// The tag value written for this layout.
    pub fn tag(self) -> &'static str {
        match self {
            Colorspace::C420Jpeg => "420jpeg",
            Colorspace::C420Mpeg2 => "420mpeg2",
            Colorspace::C420Paldv => "420paldv",
            Colorspace::C420Cosited => "420",
            Colorspace::C422 => "422",
            Colorspace::C444 => "444",
            Colorspace::Mono => "mono",
        }
    }

    /// Width and height of each chroma plane (0 x 0 for mono).
    pub fn chroma_size(self, width: u32, height: u32) -> (u32, u32) {
        let half = |v: u32| v / 2 + v % 2;
        match self {
            Colorspace::C420Jpeg
            | Colorspace::C420Mpeg2
            | Colorspace::C420Paldv
            | Colorspace::C420Cosited => (half(width), half(height)),
            Colorspace::C422 => (half(width), height),
            Colorspace::C444 => (width, height),
            Colorspace::Mono => (0, 0),
        }
    }

    /// The tag value for this layout at `bit_depth` bits per sample:
    /// [`Colorspace::tag`] for 8 bits, else as ffmpeg writes it (`420p10`,
    /// `422p12`, `444p16`, `mono10`; 4:2:0 without a siting).
    pub fn tag_with_depth(self, bit_depth: u8) -> String {
        if bit_depth <= 8 {
            return self.tag().to_owned();
        }
        let base = match self {
            Colorspace::C422 => "422p",
            Colorspace::C444 => "444p",
            Colorspace::Mono => "mono",
            _ => "420p",
        };
        format!("{base}{bit_depth}")
    }

    /// Bytes of one 8-bit frame's planes.
    pub fn frame_bytes(self, width: u32, height: u32) -> u64 {
        let (cw, ch) = self.chroma_size(width, height);
        u64::from(width) * u64::from(height) + 2 * u64::from(cw) * u64::from(ch)
    }
}

/// The stream header of a YUV4MPEG2 file.
///
/// ```
/// use video_features::y4m::{Colorspace, Interlace, Y4mHeader};
///
/// let h = Y4mHeader::new(320, 240, (25, 1), Colorspace::C420Jpeg);
/// assert_eq!(h.to_line(), "YUV4MPEG2 W320 H240 F25:1 Ip A1:1 C420jpeg\n");
/// assert_eq!(h.interlace, Interlace::Progressive);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Y4mHeader {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames per second as `numerator : denominator`, both > 0.
    pub frame_rate: (u32, u32),
    /// Field order.
    pub interlace: Interlace,
    /// Pixel aspect ratio; `(0, 0)` when unknown.
    pub aspect: (u32, u32),
    /// Chroma layout.
    pub colorspace: Colorspace,
    /// Bits per sample, 8 to 16; deeper samples take two bytes, little
    /// endian, in the low bits.
    pub bit_depth: u8,
    /// `X` extension tags, without the `X` (for example `YSCSS=420JPEG`).
    pub extensions: Vec<String>,
}

impl Y4mHeader {
    /// A progressive stream with square pixels and no extensions.
    pub fn new(width: u32, height: u32, frame_rate: (u32, u32), colorspace: Colorspace) -> Self {
        Self {
            width,
            height,
            frame_rate,
            interlace: Interlace::Progressive,
            aspect: (1, 1),
            colorspace,
            bit_depth: 8,
            extensions: Vec::new(),
        }
    }

    /// Bytes per sample: 1 up to 8 bits, else 2.
    pub fn sample_bytes(&self) -> u64 {
        if self.bit_depth > 8 {
            2
        } else {
            1
        }
    }

    /// Bytes of one frame's planes.
    pub fn frame_bytes(&self) -> u64 {
        self.colorspace.frame_bytes(self.width, self.height) * self.sample_bytes()
    }

    /// The header line, ending with `\n`.
    pub fn to_line(&self) -> String {
        let i = match self.interlace {
            Interlace::Progressive => 'p',
            Interlace::TopFieldFirst => 't',
            Interlace::BottomFieldFirst => 'b',
            Interlace::Mixed => 'm',
            Interlace::Unknown => '?',
        };
        let mut s = format!(
            "YUV4MPEG2 W{} H{} F{}:{} I{i} A{}:{} C{}",
            self.width,
            self.height,
            self.frame_rate.0,
            self.frame_rate.1,
            self.aspect.0,
            self.aspect.1,
            self.colorspace.tag_with_depth(self.bit_depth)
        );
        for x in &self.extensions {
            s.push_str(" X");
            s.push_str(x);
        }
        s.push('\n');
        s
    }

    /// Parses a header line (without its `\n`).
    pub(crate) fn parse(line: &[u8]) -> Result<Self, SourceError> {
        let bad = |offset: usize, message: String| SourceError::Malformed {
            offset: offset as u64,
            message,
        };
        let text = std::str::from_utf8(line)
            .map_err(|e| bad(e.valid_up_to(), "header is not ASCII text".into()))?;
        let rest = text
            .strip_prefix("YUV4MPEG2")
            .ok_or_else(|| bad(0, "not a YUV4MPEG2 stream (no magic)".into()))?;
        let (mut w, mut h, mut f) = (None, None, None);
        let mut header = Y4mHeader::new(0, 0, (0, 0), Colorspace::C420Jpeg);
        header.interlace = Interlace::Unknown;
        header.aspect = (0, 0);
        let mut offset = "YUV4MPEG2".len();
        for token in rest.split(' ') {
            let at = offset;
            offset += token.len() + 1;
            let mut chars = token.chars();
            let Some(tag) = chars.next() else { continue };
            let value = chars.as_str();
            let fail = |what: &str| bad(at, format!("bad {what} tag {token:?}"));
            match tag {
                'W' => w = Some(positive(value).ok_or_else(|| fail("width"))?),
                'H' => h = Some(positive(value).ok_or_else(|| fail("height"))?),
                'F' => {
                    let r = ratio(value).filter(|r| r.0 > 0 && r.1 > 0);
                    f = Some(r.ok_or_else(|| fail("frame rate"))?);
                }
                'A' => header.aspect = ratio(value).ok_or_else(|| fail("aspect"))?,
                'I' => {
                    header.interlace = match value {
                        "p" => Interlace::Progressive,
                        "t" => Interlace::TopFieldFirst,
                        "b" => Interlace::BottomFieldFirst,
                        "m" => Interlace::Mixed,
                        "?" => Interlace::Unknown,
                        _ => return Err(fail("interlace")),
                    }
                }
                'C' => {
                    let (layout, depth) = split_depth(value);
                    header.colorspace = Colorspace::parse(layout)
                        .map_err(|v| SourceError::Unsupported(format!("colorspace C{v}")))?;
                    header.bit_depth = depth.ok_or_else(|| {
                        SourceError::Unsupported(format!(
                            "colorspace C{value}: samples of 8 to 16 bits are decoded"
                        ))
                    })?;
                }
                'X' => header.extensions.push(value.to_string()),
                // unknown tags are ignored, as the format asks of readers
                _ => {}
            }
        }
        header.width = w.ok_or_else(|| bad(0, "no W (width) tag".into()))?;
        header.height = h.ok_or_else(|| bad(0, "no H (height) tag".into()))?;
        header.frame_rate = f.ok_or_else(|| bad(0, "no F (frame rate) tag".into()))?;
        Ok(header)
    }
}

/// `420p10` -> (`420jpeg`, 10), `mono12` -> (`mono`, 12), `422` ->
/// (`422`, 8); the depth is `None` outside 8..=16.
fn split_depth(v: &str) -> (&str, Option<u8>) {
    let digits = v.len() - v.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return (v, Some(8));
    }
    let (head, depth) = v.split_at(v.len() - digits);
    let layout = match head {
        "420p" => "420jpeg",
        "422p" => "422",
        "444p" => "444",
        "mono" => "mono",
        _ => return (v, Some(8)),
    };
    let depth = depth.parse::<u8>().ok().filter(|d| (8..=16).contains(d));
    (layout, depth)
}

fn positive(v: &str) -> Option<u32> {
    v.parse::<u32>().ok().filter(|&n| n > 0)
}

fn ratio(v: &str) -> Option<(u32, u32)> {
    let (n, d) = v.split_once(':')?;
    Some((n.parse().ok()?, d.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_tag_and_round_trips() {
        let line =
            b"YUV4MPEG2 W720 H576 F25:1 It A16:15 C420paldv XYSCSS=420PALDV XCOLORRANGE=LIMITED";
        let h = Y4mHeader::parse(line).unwrap();
        assert_eq!((h.width, h.height, h.frame_rate), (720, 576, (25, 1)));
        assert_eq!(h.interlace, Interlace::TopFieldFirst);
        assert_eq!(h.aspect, (16, 15));
        assert_eq!(h.colorspace, Colorspace::C420Paldv);
        assert_eq!(h.extensions, vec!["YSCSS=420PALDV", "COLORRANGE=LIMITED"]);
        let again = Y4mHeader::parse(h.to_line().trim_end().as_bytes()).unwrap();
        assert_eq!(again, h);
    }

    #[test]
    fn defaults_and_errors() {
        let h = Y4mHeader::parse(b"YUV4MPEG2 W3 H2 F30000:1001").unwrap();
        assert_eq!(h.colorspace, Colorspace::C420Jpeg);
        assert_eq!(h.interlace, Interlace::Unknown);
        assert_eq!(h.aspect, (0, 0));
        assert_eq!(h.frame_bytes(), 6 + 2 * 2);
        for bad in [
            &b"YUV4MPEG W3 H2 F1:1"[..],
            b"YUV4MPEG2 H2 F1:1",
            b"YUV4MPEG2 W0 H2 F1:1",
            b"YUV4MPEG2 W3 H2 F1:0",
            b"YUV4MPEG2 W3 H2 Fx",
            b"YUV4MPEG2 W3 H2 F1:1 Iz",
            b"YUV4MPEG2 W99999999999 H2 F1:1",
            b"YUV4MPEG2 W3 H2 F1:1 C411",
            b"YUV4MPEG2 W3 H2 F1:1 C420p17",
            b"YUV4MPEG2 W3 H2 F1:1 Cmono7",
            b"YUV4MPEG2 W3 H2 F1:1 \xff",
        ] {
            assert!(
                Y4mHeader::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(
            Y4mHeader::parse(b"YUV4MPEG2 W3 H2 F1:1 C420p17"),
            Err(SourceError::Unsupported(_))
        ));
    }

    #[test]
    fn deep_samples_as_ffmpeg_tags_them() {
        for (tag, cs, depth, bytes) in [
            ("420p10", Colorspace::C420Jpeg, 10, 2 * (6 + 2 * 2)),
            ("422p12", Colorspace::C422, 12, 2 * (6 + 2 * 2 * 2)),
            ("444p16", Colorspace::C444, 16, 2 * 18),
            ("mono10", Colorspace::Mono, 10, 12),
            ("mono", Colorspace::Mono, 8, 6),
        ] {
            let line = format!("YUV4MPEG2 W3 H2 F1:1 C{tag} XYSCSS={}", tag.to_uppercase());
            let h = Y4mHeader::parse(line.as_bytes()).unwrap();
            assert_eq!(
                (h.colorspace, h.bit_depth, h.frame_bytes()),
                (cs, depth, bytes)
            );
            assert!(
                h.to_line().contains(&format!(" C{tag} ")),
                "{}",
                h.to_line()
            );
        }
    }

    #[test]
    fn plane_sizes() {
        assert_eq!(Colorspace::C420Mpeg2.chroma_size(5, 3), (3, 2));
        assert_eq!(Colorspace::C422.chroma_size(5, 3), (3, 3));
        assert_eq!(Colorspace::C444.frame_bytes(5, 3), 45);
        assert_eq!(Colorspace::Mono.frame_bytes(5, 3), 15);
    }
}
