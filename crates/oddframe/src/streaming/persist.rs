//! Saving and restoring streams and monitors (feature `serde`).

use std::collections::{BTreeMap, VecDeque};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{
    Monitor, OnlineModel, StreamCounts, StreamingConfig, StreamingDetector, ThresholdState,
};
use crate::persist::{Envelope, Persist};
use crate::threshold::online::Online;
use crate::{Error, Result, StreamingThreshold, Threshold};

/// A model's full learning state in an [`Envelope`]: everything a restored
/// model needs to learn the next sample exactly as the original would
/// (which may be more than [`Persist`] saves for scoring, for example
/// FISVDD's running inverse kernel matrix).
pub trait SaveState: Sized {
    /// The learning state.
    ///
    /// # Errors
    /// When the state cannot be represented.
    fn save_state(&self) -> Result<Envelope>;

    /// Rebuilds a model from [`SaveState::save_state`]'s envelope,
    /// validating it.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming what is wrong.
    fn load_state(envelope: Envelope) -> Result<Self>;
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum ThresholdBody {
    Fixed(Envelope),
    Ewma(StreamingThreshold),
    Online(Online),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamBody<O> {
    model: Envelope,
    config: StreamingConfig,
    threshold: ThresholdBody,
    buffer: Vec<O>,
    counts: StreamCounts,
}

const STREAM_FORMAT: &str = "oddframe.stream";
const MONITOR_FORMAT: &str = "oddframe.monitor";

fn bad(format: &str, reason: impl Into<String>) -> Error {
    Error::invalid_file(format, reason)
}

/// The whole state of a stream: the model's learning state
/// ([`SaveState`]), the settings, the threshold with its moving statistics,
/// the buffer and the counters. Format `oddframe.stream`, schema 2 (which
/// adds online thresholds; schema 1 files load).
impl<S, M> Persist for StreamingDetector<S, M>
where
    S: ?Sized + ToOwned,
    S::Owned: Clone + Serialize + DeserializeOwned,
    M: OnlineModel<S> + SaveState,
{
    const FORMAT: &'static str = STREAM_FORMAT;
    const SCHEMA: u32 = 2;

    fn to_envelope(&self) -> Result<Envelope> {
        let threshold = match &self.threshold {
            ThresholdState::Fixed(t) => ThresholdBody::Fixed(t.to_envelope()?),
            ThresholdState::Ewma(e) => ThresholdBody::Ewma(e.clone()),
            ThresholdState::Online(o) => ThresholdBody::Online(o.clone()),
        };
        let body = StreamBody {
            model: self.model.save_state()?,
            config: self.config,
            threshold,
            buffer: self.buffer.iter().cloned().collect(),
            counts: self.counts,
        };
        Envelope::new(
            STREAM_FORMAT,
            Self::SCHEMA,
            env!("CARGO_PKG_VERSION"),
            None,
            &body,
        )
    }

    fn from_checked_envelope(env: Envelope) -> Result<Self> {
        let body: StreamBody<S::Owned> = env.take_body()?;
        body.config
            .check()
            .map_err(|e| bad(STREAM_FORMAT, e.to_string()))?;
        let model = M::load_state(body.model).map_err(|e| e.in_part("model"))?;
        let threshold = match body.threshold {
            ThresholdBody::Fixed(t) => ThresholdState::Fixed(
                Threshold::from_envelope(t).map_err(|e| e.in_part("threshold"))?,
            ),
            ThresholdBody::Ewma(e) => {
                e.check_state()
                    .map_err(|e| bad(STREAM_FORMAT, format!("threshold: {e}")))?;
                ThresholdState::Ewma(e)
            }
            ThresholdBody::Online(o) => {
                o.check_state()
                    .map_err(|e| bad(STREAM_FORMAT, format!("threshold: {e}")))?;
                if let super::ThresholdPolicy::Online { method, .. } = body.config.threshold {
                    if !o.follows(method) {
                        return Err(bad(
                            STREAM_FORMAT,
                            "the threshold is not the policy's method",
                        ));
                    }
                }
                ThresholdState::Online(o)
            }
        };
        let kind_matches = matches!(
            (&threshold, body.config.threshold),
            (
                ThresholdState::Fixed(_),
                super::ThresholdPolicy::Calibrated(_)
            ) | (ThresholdState::Ewma(_), super::ThresholdPolicy::Ewma { .. })
                | (
                    ThresholdState::Online(_),
                    super::ThresholdPolicy::Online { .. }
                )
        );
        if !kind_matches {
            return Err(bad(
                STREAM_FORMAT,
                "the threshold does not follow the threshold policy",
            ));
        }
        let c = body.counts;
        if c.flagged > c.seen
            || c.learned > c.seen
            || c.since_refit > c.learned
            || c.refits > c.learned
        {
            return Err(bad(STREAM_FORMAT, format!("inconsistent counts {c:?}")));
        }
        if body.buffer.len() > body.config.buffer {
            return Err(bad(
                STREAM_FORMAT,
                format!(
                    "{} buffered samples for a buffer of {}",
                    body.buffer.len(),
                    body.config.buffer
                ),
            ));
        }
        if body.config.refit_every.is_some() && model.refit(&[]).is_none() {
            return Err(bad(
                STREAM_FORMAT,
                "refits are set for a model that cannot refit",
            ));
        }
        for (i, sample) in body.buffer.iter().enumerate() {
            use std::borrow::Borrow;
            model
                .score_sample(sample.borrow())
                .map_err(|e| bad(STREAM_FORMAT, format!("buffered sample {i}: {e}")))?;
        }
        Ok(Self {
            model,
            config: body.config,
            threshold,
            buffer: VecDeque::from(body.buffer),
            counts: c,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorBody {
    prototype: Envelope,
    max_sources: usize,
    sources: BTreeMap<String, Envelope>,
}

/// Every source's stream and the prototype of new ones. Format
/// `oddframe.monitor`, schema 1.
impl<S, M> Persist for Monitor<S, M>
where
    S: ?Sized + ToOwned,
    S::Owned: Clone + Serialize + DeserializeOwned,
    M: OnlineModel<S> + SaveState,
{
    const FORMAT: &'static str = MONITOR_FORMAT;
    const SCHEMA: u32 = 1;

    fn to_envelope(&self) -> Result<Envelope> {
        let sources = self
            .sources
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.to_envelope()?)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        let body = MonitorBody {
            prototype: self.prototype.to_envelope()?,
            max_sources: self.max_sources,
            sources,
        };
        Envelope::new(MONITOR_FORMAT, 1, env!("CARGO_PKG_VERSION"), None, &body)
    }

    fn from_checked_envelope(env: Envelope) -> Result<Self> {
        let body: MonitorBody = env.take_body()?;
        if body.max_sources == 0 || body.sources.len() > body.max_sources {
            return Err(bad(
                MONITOR_FORMAT,
                format!(
                    "{} sources for at most {}",
                    body.sources.len(),
                    body.max_sources
                ),
            ));
        }
        let prototype =
            StreamingDetector::from_envelope(body.prototype).map_err(|e| e.in_part("prototype"))?;
        let mut sources = BTreeMap::new();
        for (name, s) in body.sources {
            let stream = StreamingDetector::from_envelope(s)
                .map_err(|e| e.in_part(&format!("source {name:?}")))?;
            sources.insert(name, stream);
        }
        Ok(Self {
            prototype,
            sources,
            max_sources: body.max_sources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{StreamingConfig, StreamingDetector, ThresholdPolicy};
    use super::*;

    /// A running mean whose state is its two numbers.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Mean {
        mean: f64,
        n: f64,
    }

    impl OnlineModel<f64> for Mean {
        fn score_sample(&self, x: &f64) -> Result<f64> {
            if !x.is_finite() {
                return Err(Error::NonFinite { row: 0, col: 0 });
            }
            Ok((x - self.mean).abs())
        }
        fn learn(&mut self, x: &f64) -> Result<()> {
            self.n += 1.0;
            self.mean += (x - self.mean) / self.n;
            Ok(())
        }
        fn refit(&self, s: &[f64]) -> Option<Result<Self>> {
            let n = s.len() as f64;
            Some(Ok(Mean {
                mean: s.iter().sum::<f64>() / n.max(1.0),
                n,
            }))
        }
    }

    impl SaveState for Mean {
        fn save_state(&self) -> Result<Envelope> {
            Envelope::new("test.mean", 1, "0", None, self)
        }
        fn load_state(env: Envelope) -> Result<Self> {
            env.check("test.mean", 1)?;
            env.take_body()
        }
    }

    fn series(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 37) % 11) as f64 / 10.0 + if i % 97 == 50 { 9.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn a_restored_stream_decides_exactly_as_the_uninterrupted_one() {
        for policy in [
            ThresholdPolicy::Calibrated(crate::Calibration::Quantile(0.95)),
            ThresholdPolicy::Ewma {
                alpha: 0.05,
                k: 4.0,
                warmup: 20,
            },
        ] {
            let config = StreamingConfig::new()
                .buffer(60)
                .refit_every(Some(25))
                .min_refit(20)
                .threshold(policy);
            let normal = series(80);
            let mut whole =
                StreamingDetector::new(Mean { mean: 0.5, n: 80.0 }, config, &normal).unwrap();
            let mut first = whole.clone();
            let data = series(400);
            let expected: Vec<_> = data.iter().map(|x| whole.process(x).unwrap()).collect();
            for x in &data[..150] {
                first.process(x).unwrap();
            }
            let bytes = first.to_json().unwrap();
            let mut restored = StreamingDetector::<f64, Mean>::from_json(&bytes).unwrap();
            for (x, want) in data[150..].iter().zip(&expected[150..]) {
                assert_eq!(&restored.process(x).unwrap(), want, "{policy:?}");
            }
            assert_eq!(restored.counts(), whole.counts());
        }
    }

    #[test]
    fn corrupt_states_are_errors() {
        let config = StreamingConfig::new()
            .buffer(10)
            .refit_every(Some(5))
            .min_refit(5);
        let s =
            StreamingDetector::new(Mean { mean: 0.0, n: 1.0 }, config, &[0.1, 0.2, 0.3]).unwrap();
        let base: serde_json::Value = serde_json::from_slice(&s.to_json().unwrap()).unwrap();
        type Edit = fn(&mut serde_json::Value);
        let edits: Vec<(&str, Edit)> = vec![
            ("buffer too long", |v| {
                v["model"]["buffer"] = serde_json::json!(vec![0.0; 11])
            }),
            ("nan sample", |v| {
                v["model"]["buffer"][0] = serde_json::json!(null)
            }),
            ("counts", |v| {
                v["model"]["counts"]["flagged"] = serde_json::json!(5)
            }),
            ("config", |v| {
                v["model"]["config"]["buffer"] = serde_json::json!(0)
            }),
            (
                "policy",
                |v| {
                    v["model"]["config"]["threshold"] =
                        serde_json::json!({"ewma": {"alpha": 0.1, "k": 3.0, "warmup": 1}})
                },
            ),
            ("model", |v| {
                v["model"]["model"]["format"] = serde_json::json!("other")
            }),
            ("schema", |v| v["schema"] = serde_json::json!(3)),
        ];
        for (what, edit) in edits {
            let mut v = base.clone();
            edit(&mut v);
            let r = StreamingDetector::<f64, Mean>::from_json(&serde_json::to_vec(&v).unwrap());
            assert!(matches!(r, Err(Error::InvalidFile { .. })), "{what}: {r:?}");
        }
    }

    #[test]
    fn a_monitor_restores_every_source() {
        let config = StreamingConfig::new()
            .refit_every(None)
            .threshold(ThresholdPolicy::Ewma {
                alpha: 0.1,
                k: 4.0,
                warmup: 5,
            });
        let proto = StreamingDetector::new(Mean { mean: 0.0, n: 1.0 }, config, &[]).unwrap();
        let mut m = Monitor::new(proto, 8).unwrap();
        let data = series(60);
        for (i, x) in data.iter().enumerate() {
            m.process(["a", "b", "c"][i % 3], x).unwrap();
        }
        let mut back = Monitor::<f64, Mean>::from_json(&m.to_json().unwrap()).unwrap();
        assert_eq!(back.sources(), m.sources());
        for (i, x) in series(90).iter().enumerate() {
            let src = ["a", "b", "c", "d"][i % 4];
            assert_eq!(back.process(src, x).unwrap(), m.process(src, x).unwrap());
        }
    }
}
