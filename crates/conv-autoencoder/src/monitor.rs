//! Many streams at once: one [`OnlineAutoencoder`] per source, created on a
//! source's first frame, with a cap on the number of sources so memory stays
//! bounded.

use std::collections::HashMap;

use oddframe::Frame;

use crate::online::{OnlineAutoencoder, OnlineConfig, StreamDecision};
use crate::{AeError, Backend, Result};

/// One online autoencoder per source name.
///
/// Memory is bounded by `max_sources * config.memory_bytes()` (plus the
/// backend's working buffers): each source keeps a fixed window of frames
/// and one small model. [`StreamMonitor::process_batch`] serves sources
/// concurrently, one thread per source with frames in the batch, each
/// source's frames in order.
///
/// ```
/// use conv_autoencoder::{Architecture, Backend, OnlineConfig, StreamMonitor};
/// use oddframe::{image::GrayImage, Frame};
///
/// let mut arch = Architecture::stream();
/// (arch.width, arch.height) = (16, 16);
/// let config = OnlineConfig { architecture: arch, window: 8, batch_size: 4, warmup: 3, ..Default::default() };
/// let mut monitor = StreamMonitor::new(config, Backend::Cpu, 2)?;
/// let frame = |v: u8| Frame::luma(GrayImage::from_pixel(16, 16, [v].into()), 0, Default::default());
/// let out = monitor.process_batch(vec![("door", frame(10)), ("yard", frame(200)), ("door", frame(12))]);
/// assert_eq!(out.len(), 3);
/// assert!(out.iter().all(|r| r.is_ok()));
/// assert_eq!(monitor.sources().len(), 2);
/// assert!(monitor.process("street", &frame(0)).is_err(), "a third source is over the cap");
/// # Ok::<(), conv_autoencoder::AeError>(())
/// ```
#[derive(Debug)]
pub struct StreamMonitor {
    config: OnlineConfig,
    backend: Backend,
    max_sources: usize,
    sources: HashMap<String, OnlineAutoencoder>,
}

impl StreamMonitor {
    /// A monitor creating models from `config` on `backend`, serving at most
    /// `max_sources` sources.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for bad settings or `max_sources == 0`;
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn new(config: OnlineConfig, backend: Backend, max_sources: usize) -> Result<Self> {
        config.validate()?;
        backend.device()?;
        if max_sources == 0 {
            return Err(AeError::InvalidConfig(
                "max_sources = 0: must be >= 1".into(),
            ));
        }
        Ok(Self {
            config,
            backend,
            max_sources,
            sources: HashMap::new(),
        })
    }

    /// Names of the sources seen so far, sorted.
    pub fn sources(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.sources.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The model of one source.
    pub fn source(&self, name: &str) -> Option<&OnlineAutoencoder> {
        self.sources.get(name)
    }

    /// Forgets a source (its model and window), freeing its slot.
    pub fn remove(&mut self, name: &str) -> Option<OnlineAutoencoder> {
        self.sources.remove(name)
    }

    /// An upper estimate of the memory all current sources hold.
    pub fn memory_bytes(&self) -> usize {
        self.sources.len() * self.config.memory_bytes()
    }

    fn model(&mut self, name: &str) -> Result<&mut OnlineAutoencoder> {
        if !self.sources.contains_key(name) {
            if self.sources.len() >= self.max_sources {
                return Err(AeError::InvalidConfig(format!(
                    "source {name:?} would exceed max_sources = {}",
                    self.max_sources
                )));
            }
            let model = OnlineAutoencoder::new(self.config.clone(), self.backend)?;
            self.sources.insert(name.to_owned(), model);
        }
        self.sources
            .get_mut(name)
            .ok_or_else(|| AeError::InvalidConfig(format!("source {name:?} vanished")))
    }

    /// Processes one frame of one source.
    ///
    /// # Errors
    /// As [`OnlineAutoencoder::process`]; [`AeError::InvalidConfig`] when
    /// a new source would exceed `max_sources`.
    pub fn process(&mut self, source: &str, frame: &Frame) -> Result<StreamDecision> {
        self.model(source)?.process(frame)
    }

    /// Processes frames of several sources concurrently (sources spread over
    /// up to one thread per core; each source's frames in order); results
    /// come back in input order.
    pub fn process_batch<S: AsRef<str>>(
        &mut self,
        frames: Vec<(S, Frame)>,
    ) -> Vec<Result<StreamDecision>> {
        let mut groups: HashMap<String, Vec<(usize, Frame)>> = HashMap::new();
        let n = frames.len();
        for (i, (s, f)) in frames.into_iter().enumerate() {
            groups
                .entry(s.as_ref().to_owned())
                .or_default()
                .push((i, f));
        }
        let mut out: Vec<Option<Result<StreamDecision>>> = (0..n).map(|_| None).collect();
        // create models first (sequentially: the cap is global)
        let mut work = Vec::new();
        for (name, items) in groups {
            match self.model(&name) {
                Ok(_) => work.push((name, items)),
                Err(e) => {
                    let msg = e.to_string();
                    for (i, _) in items {
                        out[i] = Some(Err(AeError::InvalidConfig(msg.clone())));
                    }
                }
            }
        }
        let mut jobs: Vec<(&mut OnlineAutoencoder, Vec<(usize, Frame)>)> = Vec::new();
        let mut by_name: HashMap<String, Vec<(usize, Frame)>> = work.into_iter().collect();
        for (name, model) in self.sources.iter_mut() {
            if let Some(items) = by_name.remove(name) {
                jobs.push((model, items));
            }
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(jobs.len())
            .max(1);
        let mut buckets: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
        for (k, job) in jobs.into_iter().enumerate() {
            buckets[k % threads].push(job);
        }
        let results: Vec<Vec<(usize, Result<StreamDecision>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = buckets
                .into_iter()
                .map(|bucket| {
                    s.spawn(move || {
                        let mut done = Vec::new();
                        for (model, items) in bucket {
                            for (i, f) in items {
                                done.push((i, model.process(&f)));
                            }
                        }
                        done
                    })
                })
                .collect();
            // a panicking worker leaves its frames without a result (reported below)
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (i, r) in results.into_iter().flatten() {
            out[i] = Some(r);
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(AeError::BackendUnavailable(
                        "a source's worker thread panicked".into(),
                    ))
                })
            })
            .collect()
    }
}
