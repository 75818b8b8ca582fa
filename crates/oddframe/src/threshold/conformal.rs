//! Split and cross-fitted conformal calibration (Vovk, Gammerman and
//! Shafer, *Algorithmic Learning in a Random World*, 2005; for anomaly
//! detection: Laxhammar and Falkman, 2015; Bates et al., *Testing for
//! outliers with conformal p-values*, Ann. Statist. 2023).
//!
//! If the calibration scores and a new normal score are exchangeable — the
//! model saw none of them while fitting — the new score's rank among them
//! is uniform, so comparing it with the `ceil((n + 1)(1 - rate))`-th
//! smallest calibration score flags it with probability at most `rate`.

use std::collections::HashMap;
use std::hash::Hash;

use crate::{Error, Result};

/// Which normal rows calibrate a pipeline's threshold
/// ([`crate::PipelineParams::holdout`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Holdout {
    /// The rows the model was fitted on (the default). No guarantee: a
    /// model scores its own training rows lower than new ones (a support
    /// vector model puts many of them exactly on its boundary), so the
    /// false-alarm rate on new data is usually above the target.
    #[default]
    InSample,
    /// Fit on a random share of the rows and calibrate on the others
    /// (`calibration`, in (0, 1), is the share held out). The
    /// [`crate::Calibration::Conformal`] guarantee holds exactly for the
    /// model returned, which has seen only the fitting share.
    Split {
        /// Share of the rows held out for calibration.
        calibration: f64,
        /// Seed of the random split.
        seed: u64,
    },
    /// Cross-fitting with `folds` folds: each fold is scored by a model
    /// fitted on the others, the threshold is calibrated on those
    /// out-of-fold scores, and the model returned is fitted on every row.
    /// Uses all rows for both; the guarantee is approximate (the final model
    /// has seen more rows than those that made the scores; in the worst
    /// case the rate can reach twice the target, Barber et al. 2021, while
    /// in practice it is close to it).
    CrossFit {
        /// Number of folds, at least 2.
        folds: usize,
        /// Seed of the random fold assignment.
        seed: u64,
    },
}

impl Holdout {
    /// Fit on a random `1 - calibration` share and calibrate on the rest
    /// (seed 0).
    pub fn split(calibration: f64) -> Self {
        Holdout::Split {
            calibration,
            seed: 0,
        }
    }

    /// Cross-fitting with `folds` folds (seed 0).
    pub fn cross_fit(folds: usize) -> Self {
        Holdout::CrossFit { folds, seed: 0 }
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a share outside (0, 1) or fewer than
    /// two folds.
    pub fn check(self) -> Result<Self> {
        match self {
            Holdout::Split { calibration, .. } if !(calibration > 0.0 && calibration < 1.0) => Err(
                Error::invalid_parameter("holdout calibration share", calibration, "in (0, 1)"),
            ),
            Holdout::CrossFit { folds, .. } if folds < 2 => {
                Err(Error::invalid_parameter("holdout folds", folds, ">= 2"))
            }
            ok => Ok(ok),
        }
    }

    /// The (fit rows, calibration rows) pairs for `n` rows: one pair for a
    /// split, one per fold for cross-fitting, none in-sample. Rows are
    /// returned in increasing order within each set.
    ///
    /// # Errors
    /// As [`Holdout::check`]; [`Error::Empty`] when a set would be empty.
    pub fn partition(self, n: usize) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
        self.partition_units(&(0..n).collect::<Vec<_>>(), n)
    }

    /// As [`Holdout::partition`], keeping the rows of each group together:
    /// whole groups are held out (a split holds out that share of the
    /// groups, cross-fitting deals groups to folds). `groups[i]` names row
    /// `i`'s group: a video, a camera, a content source. Use it when new
    /// data comes from groups the model has not seen: rows of one group
    /// resemble each other more than rows of another, so a threshold
    /// calibrated on rows whose groups the model also fitted is too low for
    /// a new group. With whole groups held out, the guarantee holds for a
    /// new group exchangeable with the calibration groups.
    ///
    /// # Errors
    /// As [`Holdout::partition`]; [`Error::Empty`] also when there are too
    /// few groups to leave one on each side (or one per fold).
    pub fn partition_groups<G: Hash + Eq>(
        self,
        groups: &[G],
    ) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
        let mut ids = HashMap::new();
        let unit: Vec<usize> = groups
            .iter()
            .map(|g| {
                let next = ids.len();
                *ids.entry(g).or_insert(next)
            })
            .collect();
        self.partition_units(&unit, ids.len())
    }

    /// The partition of rows whose unit of assignment is `unit[row]`, one
    /// of `units`.
    fn partition_units(
        self,
        unit: &[usize],
        units: usize,
    ) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
        let order = shuffled(units, self.seed());
        let set_of: Vec<usize> = match self.check()? {
            Holdout::InSample => return Ok(Vec::new()),
            Holdout::Split { calibration, .. } => {
                let held = ((units as f64) * calibration).round() as usize;
                let mut g = vec![0; units];
                for &i in &order[..held.min(units)] {
                    g[i] = 1;
                }
                g
            }
            Holdout::CrossFit { folds, .. } => {
                let mut g = vec![0; units];
                for (k, &i) in order.iter().enumerate() {
                    g[i] = k % folds;
                }
                g
            }
        };
        let sets = match self {
            Holdout::Split { .. } => 1,
            Holdout::CrossFit { folds, .. } => folds,
            Holdout::InSample => 0,
        };
        let n = unit.len();
        (0..sets)
            .map(|k| {
                let held = |i: &usize| set_of[unit[*i]] == if sets == 1 { 1 } else { k };
                let calibrate: Vec<usize> = (0..n).filter(held).collect();
                let fit: Vec<usize> = (0..n).filter(|i| !held(i)).collect();
                if calibrate.is_empty() {
                    return Err(Error::Empty {
                        what: "held-out calibration rows",
                    });
                }
                if fit.is_empty() {
                    return Err(Error::Empty {
                        what: "rows left to fit after the holdout",
                    });
                }
                Ok((fit, calibrate))
            })
            .collect()
    }

    fn seed(self) -> u64 {
        match self {
            Holdout::Split { seed, .. } | Holdout::CrossFit { seed, .. } => seed,
            Holdout::InSample => 0,
        }
    }
}

/// `0..n` in a random order drawn from `seed` (Fisher-Yates driven by
/// SplitMix64, Steele, Lea and Flood 2014; the same on every platform).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // the multiply-shift maps 64 random bits onto 0..=i without a modulo
        let j = ((u128::from(next()) * (i as u128 + 1)) >> 64) as usize;
        v.swap(i, j);
    }
    v
}

pub(super) fn check_rate(rate: f64) -> Result<()> {
    if rate > 0.0 && rate < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            "conformal rate",
            rate,
            "in (0, 1)",
        ))
    }
}

/// The 1-based rank of the calibration score that is the threshold.
pub(super) fn rank(n: usize, rate: f64) -> Result<usize> {
    let k = ((n as f64 + 1.0) * (1.0 - rate)).ceil() as usize;
    if k > n {
        let need = (1.0 / rate - 1.0).ceil();
        return Err(Error::invalid_parameter(
            "calibration scores",
            format!("{n} (a rate of {rate} needs {need})"),
            "at least 1 / rate - 1 scores",
        ));
    }
    Ok(k.max(1))
}

#[cfg(feature = "serde")]
pub(super) fn check_sorted(scores: &[f64]) -> Result<()> {
    crate::validate::check_scores(scores, "calibration scores")?;
    match scores.windows(2).position(|w| w[0] > w[1]) {
        Some(i) => Err(Error::invalid_parameter(
            "calibration scores",
            format!("{} before {} at {i}", scores[i], scores[i + 1]),
            "sorted in increasing order",
        )),
        None => Ok(()),
    }
}

/// The conformal p-value of `score` against sorted calibration scores:
/// `(1 + #{s >= score}) / (n + 1)`.
///
/// ```
/// use oddframe::threshold::conformal_p_value;
/// let calibration = [1.0, 2.0, 3.0, 4.0];
/// assert_eq!(conformal_p_value(&calibration, 3.5), 0.4); // (1 + 1) / 5
/// assert_eq!(conformal_p_value(&calibration, 9.0), 0.2); // nothing as high
/// assert_eq!(conformal_p_value(&calibration, 0.0), 1.0);
/// ```
pub fn conformal_p_value(sorted: &[f64], score: f64) -> f64 {
    let below = sorted.partition_point(|&s| s < score);
    (1 + sorted.len() - below) as f64 / (sorted.len() + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_conformal_formula() {
        // (n + 1)(1 - rate) = 99 * 0.9 = 89.1 -> 90
        assert_eq!(rank(98, 0.1).unwrap(), 90);
        assert_eq!(rank(9, 0.1).unwrap(), 9);
        assert!(rank(8, 0.1).is_err(), "9 scores are needed for 10 %");
        assert!(check_rate(0.0).is_err() && check_rate(1.0).is_err());
        assert!(check_rate(f64::NAN).is_err());
    }

    #[test]
    fn partitions_cover_every_row_once() {
        let split = Holdout::split(0.3).partition(10).unwrap();
        assert_eq!(split.len(), 1);
        assert_eq!((split[0].0.len(), split[0].1.len()), (7, 3));
        let folds = Holdout::cross_fit(3).partition(10).unwrap();
        let mut held: Vec<usize> = folds.iter().flat_map(|f| f.1.clone()).collect();
        held.sort_unstable();
        assert_eq!(held, (0..10).collect::<Vec<_>>());
        for (fit, cal) in &folds {
            assert_eq!(fit.len() + cal.len(), 10);
            assert!(fit.iter().all(|i| !cal.contains(i)));
        }
        assert_ne!(
            Holdout::Split {
                calibration: 0.5,
                seed: 1
            }
            .partition(20)
            .unwrap(),
            Holdout::split(0.5).partition(20).unwrap(),
            "the seed changes the split"
        );
        assert!(Holdout::split(1.0).partition(10).is_err());
        assert!(Holdout::cross_fit(1).partition(10).is_err());
        assert!(
            Holdout::split(0.01).partition(10).is_err(),
            "nothing held out"
        );
        assert!(Holdout::InSample.partition(10).unwrap().is_empty());
    }

    #[test]
    fn group_partitions_keep_each_group_whole() {
        // 6 groups of uneven size, interleaved
        let groups: Vec<&str> = (0..40)
            .map(|i| ["a", "b", "c", "d", "e", "f"][(i * 5 + i / 7) % 6])
            .collect();
        for holdout in [Holdout::split(0.5), Holdout::cross_fit(3)] {
            let parts = holdout.partition_groups(&groups).unwrap();
            let mut held = Vec::new();
            for (fit, cal) in &parts {
                assert_eq!(fit.len() + cal.len(), 40);
                for &i in cal {
                    assert!(
                        fit.iter().all(|&j| groups[j] != groups[i]),
                        "{holdout:?}: group {} on both sides",
                        groups[i]
                    );
                }
                held.extend(cal.iter().copied());
            }
            held.sort_unstable();
            held.dedup();
            let distinct_held: std::collections::HashSet<_> =
                held.iter().map(|&i| groups[i]).collect();
            match holdout {
                Holdout::Split { .. } => assert_eq!(distinct_held.len(), 3, "half the groups"),
                _ => assert_eq!(held.len(), 40, "every row held out once"),
            }
        }
        assert!(
            Holdout::split(0.5).partition_groups(&["a"; 9]).is_err(),
            "one group cannot be on both sides"
        );
        assert!(Holdout::cross_fit(4)
            .partition_groups(&["a", "b", "c", "a"])
            .is_err());
    }

    #[test]
    fn a_shuffle_is_a_permutation() {
        let mut v = shuffled(1000, 7);
        assert_ne!(v, (0..1000).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..1000).collect::<Vec<_>>());
    }
}
