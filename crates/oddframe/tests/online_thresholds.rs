//! Online thresholds on synthetic score streams whose truth we control:
//! i.i.d. Gaussian, exponential and Student-t(3) scores (the false-alarm
//! rate must match the target within binomial noise), drifting normal
//! streams (a linear drift, a seasonal cycle, a step), and streams with
//! injected spikes (recall, and the protect rule).
//!
//! The streams are synthetic because the false-alarm rate can only be
//! checked where every score is known to be normal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oddframe::threshold::online::{Online, OnlineMethod, OnlineThreshold};

/// SplitMix64: reproducible uniforms, normals (Box-Muller), exponentials
/// and Student-t(3) draws.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn draw(&mut self, dist: Dist) -> f64 {
        match dist {
            Dist::Gaussian => self.normal(),
            Dist::Exponential => -self.uniform().ln(),
            Dist::StudentT3 => {
                let z = self.normal();
                let chi2: f64 = (0..3).map(|_| self.normal().powi(2)).sum();
                z / (chi2 / 3.0).sqrt()
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Dist {
    Gaussian,
    Exponential,
    StudentT3,
}

const DISTS: [Dist; 3] = [Dist::Gaussian, Dist::Exponential, Dist::StudentT3];

fn iid(dist: Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n).map(|_| r.draw(dist)).collect()
}

/// Flags after the warm-up, scores after the warm-up, and the thresholds.
fn run(t: &mut Online, scores: &[f64]) -> (Vec<bool>, Vec<f64>) {
    let mut flags = Vec::with_capacity(scores.len());
    let mut thresholds = Vec::with_capacity(scores.len());
    for &s in scores {
        let warm = t.is_warm();
        let d = t.observe(s).unwrap();
        if warm {
            flags.push(d.is_anomaly);
            thresholds.push(d.threshold);
        }
    }
    (flags, thresholds)
}

/// The 99 % normal-approximation interval of a binomial count.
fn binomial_99(n: usize, p: f64) -> (f64, f64) {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    (mean - 2.576 * sd, mean + 2.576 * sd)
}

fn count(flags: &[bool]) -> usize {
    flags.iter().filter(|&&f| f).count()
}

/// Streams long enough for a tight interval: 10^5 scores at 1e-2,
/// 4 x 10^5 at 1e-3 (400 expected flags).
fn length(rate: f64) -> usize {
    if rate >= 1e-2 {
        100_000
    } else {
        400_000
    }
}

#[test]
fn rate_methods_hold_their_rate_on_iid_streams() {
    let mut failures = Vec::new();
    for (d, dist) in DISTS.into_iter().enumerate() {
        for rate in [1e-2, 1e-3] {
            let methods = [
                OnlineMethod::Quantile { rate, window: None },
                OnlineMethod::Quantile {
                    rate,
                    window: Some((20.0 / rate) as usize),
                },
                OnlineMethod::Spot { rate },
                OnlineMethod::Dspot { rate, depth: 1000 },
            ];
            for (m, method) in methods.into_iter().enumerate() {
                // the windowed quantile is checked without protect: with it,
                // flagged scores enter the window as markers above every
                // threshold, and since past normal scores can rise above a
                // falling threshold while markers never fall below a rising
                // one, it flags about 20 % fewer than the target (measured:
                // 0.78-0.80 % for 1 %); see `protected_window_quantile_...`
                let windowed = matches!(
                    method,
                    OnlineMethod::Quantile {
                        window: Some(_),
                        ..
                    }
                );
                let mut t = method.build_with(None, !windowed).unwrap();
                let warmup = method.default_warmup() as usize;
                let seed = 1000 * d as u64 + 10 * m as u64 + u64::from(rate < 1e-2);
                let scores = iid(dist, length(rate) + warmup, seed);
                let (flags, _) = run(&mut t, &scores);
                let (lo, hi) = binomial_99(flags.len(), rate);
                let k = count(&flags) as f64;
                let line = format!(
                    "{dist:?} {method}: {} flags in {} (rate {:.5}), 99 % interval [{lo:.0}, {hi:.0}]",
                    k,
                    flags.len(),
                    k / flags.len() as f64
                );
                eprintln!("{line}");
                if !(lo..=hi).contains(&k) {
                    failures.push(line);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn protected_window_quantile_errs_on_the_safe_side() {
    // the known shortfall of the protect rule for the windowed quantile:
    // fewer false alarms than the target, never more
    let rate = 1e-2;
    let method = OnlineMethod::Quantile {
        rate,
        window: Some(2000),
    };
    let scores = iid(Dist::Gaussian, 102_000, 99);
    let (flags, _) = run(&mut method.build().unwrap(), &scores);
    let r = count(&flags) as f64 / flags.len() as f64;
    assert!((0.5 * rate..=rate).contains(&r), "{r}");
}
