//! Windowing of playback telemetry into QoE feature vectors.

use std::collections::VecDeque;

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Result};

/// Names of the features a [`QoeWindower`] emits, in order.
pub const FEATURE_NAMES: [&str; 6] = [
    "vmaf_mean",
    "vmaf_std",
    "vmaf_mad",
    "bitrate_mean",
    "stall_ratio",
    "tsl_end",
];

/// One telemetry sample: what playback looked like over
/// `[time, time + duration)` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct QoeSample {
    /// Start of the interval, in seconds from the start of the session.
    pub time: f64,
    /// Length of the interval in seconds (1 for per-second telemetry,
    /// `1 / fps` per frame).
    pub duration: f64,
    /// Perceptual quality of what was shown (for example VMAF, 0..100).
    pub quality: f64,
    /// Delivered bitrate in kbit/s.
    pub bitrate_kbps: f64,
    /// Whether playback was stalled (rebuffering).
    pub stalled: bool,
}

impl QoeSample {
    /// A sample of `duration` seconds from `time`.
    pub fn new(time: f64, duration: f64, quality: f64, bitrate_kbps: f64, stalled: bool) -> Self {
        Self {
            time,
            duration,
            quality,
            bitrate_kbps,
            stalled,
        }
    }

    /// The sample for second `second` of per-second telemetry.
    pub fn per_second(second: u32, quality: f64, bitrate_kbps: f64, stalled: bool) -> Self {
        Self {
            time: f64::from(second),
            duration: 1.0,
            quality,
            bitrate_kbps,
            stalled,
        }
    }

    fn end(&self) -> f64 {
        self.time + self.duration
    }
}

/// Turns a stream of [`QoeSample`]s into windows of [`FEATURE_NAMES`]:
///
/// | feature | definition over the samples starting inside the window |
/// |---|---|
/// | `vmaf_mean` | mean quality |
/// | `vmaf_std` | population standard deviation of quality |
/// | `vmaf_mad` | mean absolute difference between consecutive quality values (0 for one sample) |
/// | `bitrate_mean` | mean bitrate (kbit/s) |
/// | `stall_ratio` | fraction of samples that were stalled |
/// | `tsl_end` | seconds from the end of the last stall to the end of the window; 0 while no stall has happened |
///
/// Windows are `[t0 + k * hop, t0 + k * hop + length)` with `t0` the first
/// sample's time; a window is emitted as soon as a sample reaching its end
/// arrives. Windows with no samples (telemetry gaps) are skipped.
/// Per-second telemetry with the default 5 s / 1 s reproduces the windows of
/// the LIVE-Netflix-II tables in `testdata/qoe`.
#[derive(Debug, Clone)]
pub struct QoeWindower {
    length: f64,
    hop: f64,
    start: Option<f64>,
    last_time: f64,
    buf: VecDeque<QoeSample>,
    /// End of the last stall among samples already dropped from `buf`.
    dropped_stall_end: Option<f64>,
}

impl Default for QoeWindower {
    /// 5-second windows with a 1-second hop.
    fn default() -> Self {
        Self {
            length: 5.0,
            hop: 1.0,
            start: None,
            last_time: f64::NEG_INFINITY,
            buf: VecDeque::new(),
            dropped_stall_end: None,
        }
    }
}

/// Most windows one sample may belong to (`length / hop`).
const MAX_OVERLAP: f64 = 10_000.0;

/// Tolerance for comparing times that are sums of sample durations.
const TIME_EPS: f64 = 1e-9;

impl QoeWindower {
    /// Windows of `length` seconds every `hop` seconds.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless both are finite and > 0.
    pub fn new(length: f64, hop: f64) -> Result<Self> {
        if !(length.is_finite() && length > 0.0) {
            return Err(Error::invalid_parameter("length", length, "finite and > 0"));
        }
        if !(hop.is_finite() && hop > 0.0) {
            return Err(Error::invalid_parameter("hop", hop, "finite and > 0"));
        }
        if length / hop > MAX_OVERLAP {
            return Err(Error::invalid_parameter(
                "hop",
                hop,
                "at least length / 10,000 (each sample may fall in at most 10,000 windows)",
            ));
        }
        Ok(Self {
            length,
            hop,
            ..Self::default()
        })
    }

    fn check(&self, s: &QoeSample) -> Result<()> {
        let fields = [s.time, s.duration, s.quality, s.bitrate_kbps];
        if let Some(col) = fields.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { row: 0, col });
        }
        if s.duration <= 0.0 {
            return Err(Error::invalid_parameter("duration", s.duration, "> 0"));
        }
        if s.time < self.last_time {
            return Err(Error::invalid_parameter(
                "time",
                s.time,
                "not earlier than the previous sample's time",
            ));
        }
        Ok(())
    }

    /// Features of the window `[ws, we)`. Samples before `ws` have been
    /// dropped already, so the window is the prefix of the buffer that
    /// starts before `we`.
    fn features(&self, we: f64) -> Option<Array1<f64>> {
        let n = self
            .buf
            .iter()
            .take_while(|s| s.time < we - TIME_EPS)
            .count();
        if n == 0 {
            return None;
        }
        let window = self.buf.range(..n);
        let (mut sum_q, mut sum_rate, mut stalls, mut mad) = (0.0, 0.0, 0usize, 0.0);
        let mut last_stall = self.dropped_stall_end;
        let mut prev: Option<f64> = None;
        for s in window.clone() {
            sum_q += s.quality;
            sum_rate += s.bitrate_kbps;
            if let Some(p) = prev {
                mad += (s.quality - p).abs();
            }
            prev = Some(s.quality);
            if s.stalled {
                stalls += 1;
                let e = s.end().min(we);
                last_stall = Some(last_stall.map_or(e, |l: f64| l.max(e)));
            }
        }
        let nf = n as f64;
        let mean = sum_q / nf;
        let var = window.map(|s| (s.quality - mean).powi(2)).sum::<f64>() / nf;
        Some(Array1::from(vec![
            mean,
            var.sqrt(),
            if n > 1 { mad / (nf - 1.0) } else { 0.0 },
            sum_rate / nf,
            stalls as f64 / nf,
            last_stall.map_or(0.0, |e| (we - e).max(0.0)),
        ]))
    }
}

impl FeatureExtractor<QoeSample> for QoeWindower {
    fn feature_names(&self) -> Vec<String> {
        FEATURE_NAMES.iter().map(|s| (*s).to_string()).collect()
    }

    fn push(&mut self, sample: &QoeSample) -> Result<Vec<Array1<f64>>> {
        self.check(sample)?;
        self.last_time = sample.time;
        let mut ws = *self.start.get_or_insert(sample.time);
        self.buf.push_back(*sample);
        let mut out = Vec::new();
        // emit every window that the stream has now reached the end of
        while ws + self.length <= sample.end() + TIME_EPS {
            // no sample left: later windows would all be empty
            let Some(first) = self.buf.front().map(|s| s.time) else {
                break;
            };
            let next = if first >= ws + self.length - TIME_EPS {
                // a telemetry gap: jump to the first window holding a sample
                ws + (((first - ws - self.length) / self.hop).floor() + 1.0) * self.hop
            } else {
                if let Some(f) = self.features(ws + self.length) {
                    out.push(f);
                }
                ws + self.hop
            };
            if next <= ws {
                return Err(Error::invalid_parameter(
                    "time",
                    ws,
                    "small enough that adding the hop changes it",
                ));
            }
            ws = next;
            while let Some(front) = self.buf.front() {
                if front.time >= ws - TIME_EPS {
                    break;
                }
                if front.stalled {
                    let e = front.end();
                    self.dropped_stall_end = Some(self.dropped_stall_end.map_or(e, |d| d.max(e)));
                }
                self.buf.pop_front();
            }
        }
        self.start = Some(ws);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(w: &mut QoeWindower, samples: &[QoeSample]) -> Vec<Array1<f64>> {
        samples.iter().flat_map(|s| w.push(s).unwrap()).collect()
    }

    #[test]
    fn stall_ratio_and_time_since_stall_follow_the_tables() {
        // seconds 1..=9 stalled, as in a LIVE-Netflix-II session with a long
        // rebuffering event; the table reads stall_ratio 0.2, 0.4, .. and
        // tsl_end 1, 2, .. once the stall is over
        let samples: Vec<QoeSample> = (0..20)
            .map(|s| QoeSample::per_second(s, 50.0, 100.0, (1..=9).contains(&s)))
            .collect();
        let out = run(&mut QoeWindower::default(), &samples);
        assert_eq!(out.len(), 16);
        let ratio: Vec<f64> = out.iter().map(|f| f[4]).collect();
        let tsl: Vec<f64> = out.iter().map(|f| f[5]).collect();
        assert_eq!(&ratio[..7], &[0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8]);
        assert_eq!(
            &tsl[..12],
            &[0., 0., 0., 0., 0., 0., 1., 2., 3., 4., 5., 6.]
        );
    }

    #[test]
    fn quality_statistics() {
        let q = [10.0, 20.0, 10.0, 20.0, 40.0];
        let samples: Vec<QoeSample> = q
            .iter()
            .enumerate()
            .map(|(i, &v)| QoeSample::per_second(i as u32, v, 1000.0 + i as f64, false))
            .collect();
        let out = run(&mut QoeWindower::default(), &samples);
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert!((f[0] - 20.0).abs() < 1e-12);
        assert!((f[1] - 120f64.sqrt()).abs() < 1e-12); // population std: 600 / 5
        assert!((f[2] - 12.5).abs() < 1e-12); // (10 + 10 + 10 + 20) / 4
        assert!((f[3] - 1002.0).abs() < 1e-12);
    }

    #[test]
    fn per_frame_telemetry_and_custom_windows() {
        let mut w = QoeWindower::new(2.0, 0.5).unwrap();
        let samples: Vec<QoeSample> = (0..100)
            .map(|i| QoeSample {
                time: f64::from(i) / 25.0,
                duration: 1.0 / 25.0,
                quality: 90.0,
                bitrate_kbps: 2000.0,
                stalled: false,
            })
            .collect();
        let out = run(&mut w, &samples);
        // 4 s of frames: windows start at 0, 0.5, 1.0, 1.5, 2.0
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|f| f[1].abs() < 1e-12 && f[4] == 0.0));
    }

    #[test]
    fn long_gaps_cost_nothing() {
        let mut w = QoeWindower::new(5.0, 1.0).unwrap();
        let mut out = run(&mut w, &[QoeSample::per_second(0, 1.0, 1.0, false)]);
        let mut s = QoeSample::per_second(0, 2.0, 1.0, false);
        s.time = 1e12;
        out.extend(w.push(&s).unwrap());
        s.time += 5.0;
        out.extend(w.push(&s).unwrap());
        // [0, 5); then the five windows around 1e12 that hold a sample,
        // without visiting the 1e12 empty ones in between
        assert_eq!(out.len(), 7);
        assert_eq!(out[0][0], 1.0);
        assert!(out[1..].iter().all(|f| f[0] == 2.0));
    }

    #[test]
    fn a_very_long_sample_does_not_enumerate_its_windows() {
        let mut w = QoeWindower::new(5.0, 1.0).unwrap();
        let mut s = QoeSample::per_second(0, 1.0, 1.0, false);
        s.duration = 1e300;
        let out = w.push(&s).unwrap();
        // only the window starting at the sample holds it
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn gaps_skip_empty_windows() {
        let mut w = QoeWindower::new(1.0, 1.0).unwrap();
        let out = run(
            &mut w,
            &[
                QoeSample::per_second(0, 1.0, 1.0, false),
                QoeSample::per_second(5, 2.0, 1.0, false),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[1][0], 2.0);
    }

    #[test]
    fn bad_samples_are_errors() {
        let mut w = QoeWindower::default();
        let mut s = QoeSample::per_second(3, 1.0, 1.0, false);
        w.push(&s).unwrap();
        s.time = 2.0;
        assert!(w.push(&s).is_err());
        s.time = 4.0;
        s.quality = f64::NAN;
        assert!(w.push(&s).is_err());
        s.quality = 1.0;
        s.duration = 0.0;
        assert!(w.push(&s).is_err());
        assert!(QoeWindower::new(0.0, 1.0).is_err());
        assert!(QoeWindower::new(5.0, f64::NAN).is_err());
        assert!(QoeWindower::new(5.0, 1e-9).is_err());
        // time so large that the hop no longer moves it
        let mut w = QoeWindower::new(1.0, 1.0).unwrap();
        let mut s = QoeSample::per_second(0, 1.0, 1.0, false);
        s.time = 1e17;
        assert!(w.push(&s).is_err());
    }
}
