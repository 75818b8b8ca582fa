//! The fitted model and the incremental learning step (Jiang et al. 2019,
//! section 4: expansion, shrinking, and the block-inverse updates of
//! Lemmas 2 and 3).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use oddframe::streaming::OnlineModel;
use oddframe::validate::{check_matrix, check_sample};
use oddframe::{Detector, Error, Float, IncrementalDetector};

use crate::inverse::{invert_spd, SymMatrix};
use crate::kernel::SupportSet;
use crate::params::FisvddValidParams;
use crate::Result;

/// The learning state an exact restore needs besides the saved model.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LearningState {
    /// The running inverse, row-major, packed (`oddframe::persist::pack_f64`).
    #[serde(with = "packed")]
    pub(crate) inverse: Vec<f64>,
    pub(crate) w: Vec<f64>,
    pub(crate) changes: usize,
    pub(crate) refactorisations: usize,
    pub(crate) probe: u64,
    pub(crate) refactor_failed: bool,
    pub(crate) floor: f64,
}

/// Packed floats as a `{"len": n, "data": base64}` object.
#[cfg(feature = "serde")]
mod packed {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Packed {
        len: usize,
        data: String,
    }

    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        Packed {
            len: v.len(),
            data: oddframe::persist::pack_f64(v),
        }
        .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let p = Packed::deserialize(d)?;
        oddframe::persist::unpack_f64(&p.data, p.len).map_err(serde::de::Error::custom)
    }
}

/// What one learning step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Learned {
    /// The sample nearly duplicates a support vector: skipped.
    Duplicate,
    /// The sample is far from every support vector (kernel ~ 0): an outlier, not learned.
    Outlier,
    /// The sample is inside the description (`Q(x) <= 0`): nothing changes.
    Interior,
    /// The sample became a support vector; `removed` support vectors were
    /// dropped by shrinking (some may have been re-admitted).
    Expanded {
        /// How many support vectors shrinking removed.
        removed: usize,
    },
}

/// A fitted Fast Incremental SVDD model.
///
/// State: the support vectors `S`, the inverse `A^-1` of their kernel matrix,
/// the weights `alpha = A^-1 e / (e' A^-1 e)` (positive, summing to 1) and
/// `L = 1 / (e' A^-1 e)`. The score of a sample is
/// `Q(x) = L - sum_i alpha_i K(x, s_i)`: negative inside the description,
/// 0 on its boundary (every support vector scores 0), and approaching `L`
/// far from all support vectors.
///
/// Make one with [`crate::FisvddValidParams::fit`].
#[derive(Debug, Clone)]
pub struct Fisvdd<F: Float = f64> {
    pub(crate) n_features: usize,
    pub(crate) sigma: F,
    neg_gamma: f64,
    /// The support vectors.
    pub(crate) sv: SupportSet<F>,
    /// The kernel matrix `K(S, S)`.
    kmat: SymMatrix<F>,
    /// Its inverse, updated by Lemmas 2 and 3.
    inv: SymMatrix<F>,
    /// `A^-1 e` (unnormalised weights).
    w: Vec<F>,
    /// Normalised weights.
    pub(crate) alpha: Vec<F>,
    pub(crate) l: F,
    pub(crate) opts: FisvddValidParams,
    changes: usize,
    refactorisations: usize,
    /// State of the generator of random-sign probe vectors (xorshift64).
    probe: u64,
    /// The last refactorisation failed (K(S,S) numerically singular).
    refactor_failed: bool,
    /// Probe residual right after the last refactorisation.
    floor: f64,
    /// Whether the O(m^2) inverse probe runs (off only inside the bandwidth
    /// search, whose models are thrown away).
    pub(crate) probe_inverse: bool,
}

impl<F: Float> Fisvdd<F> {
    /// A model whose only support vector is `first`.
    pub(crate) fn start(first: ArrayView1<'_, F>, sigma: f64, opts: FisvddValidParams) -> Self {
        let mut sv = SupportSet::new(first.len());
        sv.push(&first.to_vec());
        Self {
            n_features: first.len(),
            sigma: F::cast(sigma),
            neg_gamma: -1.0 / (2.0 * sigma * sigma),
            sv,
            kmat: SymMatrix::one(),
            inv: SymMatrix::one(),
            w: vec![F::one()],
            alpha: vec![F::one()],
            l: F::one(),
            opts,
            changes: 0,
            refactorisations: 0,
            probe: 0x9E37_79B9_7F4A_7C15,
            refactor_failed: false,
            floor: 0.0,
            probe_inverse: true,
        }
    }

    /// Rebuilds a model from support vectors and the kernel width, computing
    /// the inverse from scratch (used when loading).
    #[cfg(feature = "serde")]
    pub(crate) fn from_support(
        sv: Vec<F>,
        n_features: usize,
        sigma: f64,
        opts: FisvddValidParams,
    ) -> Result<Self> {
        if n_features == 0 || sv.is_empty() || sv.len() % n_features != 0 {
            return Err(Error::invalid_file(
                "oddframe.fisvdd",
                "support vectors do not match the feature count",
            )
            .into());
        }
        let mut m = Self::start(ArrayView1::from(&sv[..n_features]), sigma, opts);
        for row in sv.chunks_exact(n_features).skip(1) {
            let k = m.kernel_row(row);
            m.kmat.append(&k, F::one());
            m.sv.push(row);
        }
        m.w = vec![F::zero(); m.sv.len()];
        if !m.refactor() {
            return Err(Error::invalid_file(
                "oddframe.fisvdd",
                "the kernel matrix of the support vectors is not positive definite",
            )
            .into());
        }
        Ok(m)
    }

    /// Replaces the weights and boundary with saved values (already checked
    /// against the recomputed ones).
    #[cfg(feature = "serde")]
    pub(crate) fn set_weights(&mut self, alpha: &[f64], l: f64) {
        self.l = F::cast(l);
        self.alpha = alpha.iter().map(|&a| F::cast(a)).collect();
        self.w = alpha.iter().map(|&a| F::cast(a / l)).collect();
    }

    /// The learning state beyond the support vectors and weights: the
    /// running inverse (row-major), the unnormalised weights and the drift
    /// control's counters, for an exact restore.
    #[cfg(feature = "serde")]
    pub(crate) fn learning_state(&self) -> LearningState {
        let m = self.n_sv();
        LearningState {
            inverse: (0..m)
                .flat_map(|i| {
                    self.inv
                        .row(i)
                        .iter()
                        .map(|v| v.as_f64())
                        .collect::<Vec<_>>()
                })
                .collect(),
            w: self.w.iter().map(|v| v.as_f64()).collect(),
            changes: self.changes,
            refactorisations: self.refactorisations,
            probe: self.probe,
            refactor_failed: self.refactor_failed,
            floor: self.floor,
        }
    }

    /// Puts a saved learning state back (after [`Fisvdd::from_support`]
    /// rebuilt the support vectors and kernel matrix); checks that the
    /// inverse inverts the kernel matrix.
    #[cfg(feature = "serde")]
    pub(crate) fn restore_state(&mut self, s: LearningState) -> std::result::Result<(), String> {
        let m = self.n_sv();
        if s.inverse.len() != m * m || s.w.len() != m {
            return Err(format!(
                "state of {} inverse entries and {} weights for {m} support vectors",
                s.inverse.len(),
                s.w.len()
            ));
        }
        if s.inverse.iter().chain(&s.w).any(|v| !v.is_finite()) || !s.floor.is_finite() {
            return Err("state holds a non-finite value".into());
        }
        // K (A^-1 v) must give back v: a probe with a fixed pattern of signs
        let v: Vec<f64> = (0..m)
            .map(|i| if (i * 7 + 3) % 5 < 2 { -1.0 } else { 1.0 })
            .collect();
        let av: Vec<f64> = (0..m)
            .map(|i| {
                s.inverse[i * m..(i + 1) * m]
                    .iter()
                    .zip(&v)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect();
        let mut worst: f64 = 0.0;
        for (i, vi) in v.iter().enumerate() {
            let kav: f64 = (0..m).map(|j| self.kmat.get(i, j).as_f64() * av[j]).sum();
            worst = worst.max((kav - vi).abs());
        }
        let tol = if F::epsilon().as_f64() > 1e-10 {
            1e-2
        } else {
            1e-6
        };
        if worst.is_nan() || worst > tol * (m as f64).sqrt().max(1.0) {
            return Err(format!(
                "the saved inverse does not invert the kernel matrix (residual {worst:.3e})"
            ));
        }
        self.inv.set(m, |i, j| F::cast(s.inverse[i * m + j]));
        self.w = s.w.iter().map(|&v| F::cast(v)).collect();
        self.changes = s.changes;
        self.refactorisations = s.refactorisations;
        self.probe = s.probe;
        self.refactor_failed = s.refactor_failed;
        self.floor = s.floor;
        Ok(())
    }

    /// Number of features per sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of support vectors.
    pub fn n_sv(&self) -> usize {
        self.w.len()
    }

    /// The Gaussian kernel width `sigma`.
    pub fn sigma(&self) -> F {
        self.sigma
    }

    /// The boundary value `L = 1 / (e' A^-1 e)`, in (0, 1].
    pub fn boundary(&self) -> F {
        self.l
    }

    /// The support vectors, one per row.
    pub fn support_vectors(&self) -> ArrayView2<'_, F> {
        // the buffer always holds n_sv * n_features values
        #[allow(clippy::expect_used)] // invariant: sv.len() == n_sv * n_features
        ArrayView2::from_shape((self.n_sv(), self.n_features), self.sv.rows())
            .expect("support vector buffer matches its shape")
    }

    /// The weights `alpha` (positive, summing to 1).
    pub fn weights(&self) -> ArrayView1<'_, F> {
        ArrayView1::from(&self.alpha)
    }

    /// The stored inverse of the support vectors' kernel matrix.
    pub fn inverse_kernel(&self) -> Array2<F> {
        self.inv.to_array()
    }

    /// How many times the inverse was recomputed from the kernel matrix.
    pub fn refactorisations(&self) -> usize {
        self.refactorisations
    }

    /// The parameters the model learns with.
    pub fn params(&self) -> &FisvddValidParams {
        &self.opts
    }

    /// `K(x, s_i)` for every support vector.
    fn kernel_row(&self, x: &[F]) -> Vec<F> {
        let mut k = Vec::with_capacity(self.n_sv() + 1);
        self.sv.kernel(x, self.neg_gamma, &mut k);
        k.into_iter().map(F::cast).collect()
    }

    /// `Q(x)` for a sample already checked; `buf` is scratch space.
    fn q(&self, x: &[F], buf: &mut Vec<f64>) -> F {
        let f = self.sv.weighted_sum(x, self.neg_gamma, &self.alpha, buf);
        self.l - F::cast(f)
    }

    /// `Q(x) / L`: 0 on the boundary, approaching 1 far away; comparable
    /// between models fitted on different data.
    ///
    /// # Errors
    /// As [`Detector::score`].
    pub fn relative_score(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        Ok(self.score(x)? / self.l)
    }

    /// Learns one sample (checked by the caller).
    pub(crate) fn learn(&mut self, x: &[F]) -> Learned {
        let mut pending: Vec<Vec<F>> = Vec::new();
        let first = self.learn_step(x, &mut pending);
        // re-offer the points shrinking removed, at most once each
        let mut offered = 0;
        while let Some(p) = pending.pop() {
            offered += 1;
            if offered > 4 * self.n_sv().max(16) {
                break;
            }
            let mut none = Vec::new();
            self.learn_step(&p, &mut none);
        }
        first
    }

    fn learn_step(&mut self, x: &[F], removed: &mut Vec<Vec<F>>) -> Learned {
        let v = self.kernel_row(x);
        let kmax = v.iter().copied().fold(F::zero(), F::max);
        if kmax > F::cast(1.0 - self.opts.eps_duplicate) {
            return Learned::Duplicate;
        }
        if kmax < F::cast(self.opts.eps_outlier) {
            return Learned::Outlier;
        }
        let f: F = v.iter().zip(&self.alpha).map(|(&k, &a)| k * a).sum();
        if self.l - f <= F::zero() {
            return Learned::Interior;
        }
        if !self.expand(x, &v) {
            return Learned::Duplicate;
        }
        let before = removed.len();
        self.shrink(removed);
        self.enforce_budget(removed);
        self.normalise();
        self.maybe_refactor(removed);
        Learned::Expanded {
            removed: removed.len() - before,
        }
    }

    /// Lemma 2: the inverse of `[[A, v], [v', 1]]` from `A^-1`.
    /// Returns false when the Schur complement is not safely positive.
    fn expand(&mut self, x: &[F], v: &[F]) -> bool {
        let mut p = Vec::with_capacity(v.len() + 1);
        self.inv.matvec(v, &mut p);
        let beta = F::one() - v.iter().zip(&p).map(|(&a, &b)| a * b).sum::<F>();
        if beta.is_nan() || beta <= F::epsilon() * F::cast(16.0) {
            return false;
        }
        self.inv.expand(&p, beta);
        self.kmat.append(v, F::one());
        let sum_p: F = p.iter().copied().sum();
        let scale = (sum_p - F::one()) / beta;
        for (wi, &pi) in self.w.iter_mut().zip(&p) {
            *wi += pi * scale;
        }
        self.w.push((F::one() - sum_p) / beta);
        self.sv.push(x);
        self.changes += 1;
        true
    }

    /// Lemma 3: removes support vector `i` and down-dates the inverse.
    fn remove(&mut self, i: usize) -> Vec<F> {
        let c = self.inv.remove(i);
        self.kmat.delete(i);
        // the set's conditioning changed: the last baseline no longer applies
        self.floor = 0.0;
        let d = c[i];
        let wi = self.w[i];
        for (j, wj) in self.w.iter_mut().enumerate() {
            *wj -= c[j] * wi / d;
        }
        self.w.remove(i);
        self.changes += 1;
        self.sv.remove(i)
    }

    /// Removes the smallest weight while any weight is not positive.
    fn shrink(&mut self, removed: &mut Vec<Vec<F>>) {
        while self.n_sv() > 1 {
            let i = self.smallest_weight();
            // a zero weight contributes nothing and makes K(S,S) singular
            if self.w[i] > F::zero() {
                return;
            }
            removed.push(self.remove(i));
        }
    }

    /// Index of the smallest unnormalised weight, NaN counting as smallest.
    fn smallest_weight(&self) -> usize {
        let key = |w: F| if w.is_nan() { F::neg_infinity() } else { w };
        let mut best = 0;
        for (i, &w) in self.w.iter().enumerate() {
            if key(w) < key(self.w[best]) {
                best = i;
            }
        }
        best
    }

    /// Drops the smallest weights while the budget is exceeded.
    fn enforce_budget(&mut self, removed: &mut Vec<Vec<F>>) {
        let Some(budget) = self.opts.budget else {
            return;
        };
        while self.n_sv() > budget {
            let i = self.smallest_weight();
            self.remove(i);
            self.shrink(removed);
        }
    }

    fn normalise(&mut self) {
        let total: F = self.w.iter().copied().sum();
        self.l = F::one() / total;
        self.alpha.clear();
        self.alpha.extend(self.w.iter().map(|&w| w * self.l));
    }

    /// Refactorises periodically, or at once when drift is found: after
    /// every structural change the newest support vector must still score 0
    /// (`|Q(s)| / L <= residual_tol`, O(m)), and `K(S,S) A^-1 - I` is
    /// applied to a vector of random signs (two O(m^2) products with the
    /// stored kernel matrix, like an update); the largest entry of the result
    /// must stay below `max(10 residual_tol, 10 r0)`, with `r0` the same
    /// probe right after the last refactorisation (what the conditioning of
    /// `K(S,S)` allows). Random signs make a drifted entry anywhere in the
    /// inverse visible in the probe.
    fn maybe_refactor(&mut self, removed: &mut Vec<Vec<F>>) {
        let m = self.n_sv();
        let tol = self.opts.residual_tol;
        let due = self.changes >= self.opts.refactor_every.max(m)
            || (!self.refactor_failed
                && (self.drifted(m - 1)
                    || (self.probe_inverse && self.probe_residual() > 10.0 * tol.max(self.floor))));
        if due {
            if self.refactor() {
                self.shrink(removed);
                self.normalise();
            } else {
                // keep the updated inverse; try again at the next period
                self.refactor_failed = true;
            }
        }
    }

    /// Whether support vector `i` scores further from 0 than the tolerance
    /// (its kernel row is stored: O(m), no exponentials).
    fn drifted(&self, i: usize) -> bool {
        let f: F = self
            .kmat
            .row(i)
            .iter()
            .zip(&self.alpha)
            .map(|(&k, &a)| k * a)
            .sum();
        ((self.l - f) / self.l).abs() > F::cast(self.opts.residual_tol)
    }

    /// Sets with at most this many support vectors get the exact residual.
    const EXACT_PROBE: usize = 16;

    /// An estimate of `max |K(S,S) A^-1 - I|`: exact for small sets
    /// (O(m^3), at most 16^3), otherwise `max |(K(S,S) A^-1 - I) z|` over two
    /// fresh vectors `z` of random signs (O(m^2)).
    fn probe_residual(&mut self) -> f64 {
        let m = self.n_sv();
        if m <= Self::EXACT_PROBE {
            // A^-1 is symmetric: its row j is its column j
            return (0..m)
                .map(|j| {
                    let target = |i: usize| if i == j { F::one() } else { F::zero() };
                    self.residual_of(self.inv.row(j), target)
                })
                .fold(0.0, f64::max);
        }
        // both probes in one pass over each matrix
        let z1: Vec<F> = (0..m).map(|_| self.random_sign()).collect();
        let z2: Vec<F> = (0..m).map(|_| self.random_sign()).collect();
        let (mut y1, mut y2) = (Vec::with_capacity(m), Vec::with_capacity(m));
        self.inv.matvec2(&z1, &z2, &mut y1, &mut y2);
        let (mut k1, mut k2) = (Vec::with_capacity(m), Vec::with_capacity(m));
        self.kmat.matvec2(&y1, &y2, &mut k1, &mut k2);
        max_error(&k1, |i| z1[i]).max(max_error(&k2, |i| z2[i]))
    }

    /// `max_i |(K(S,S) y)_i - target(i)|`.
    fn residual_of(&self, y: &[F], target: impl Fn(usize) -> F) -> f64 {
        let mut ky = Vec::with_capacity(y.len());
        self.kmat.matvec(y, &mut ky);
        max_error(&ky, target)
    }

    /// +1 or -1 from an xorshift64 generator.
    fn random_sign(&mut self) -> F {
        self.probe ^= self.probe << 13;
        self.probe ^= self.probe >> 7;
        self.probe ^= self.probe << 17;
        if self.probe & 1 == 1 {
            F::one()
        } else {
            -F::one()
        }
    }

    /// Recomputes the inverse from the kernel matrix (Cholesky in f64, LU
    /// when rounding makes the matrix look indefinite). Returns false,
    /// keeping the current inverse, if both fail.
    pub(crate) fn refactor(&mut self) -> bool {
        self.changes = 0;
        let m = self.n_sv();
        let kmat = |i: usize, j: usize| self.kmat.get(i, j).as_f64();
        // row-major
        let inv: Vec<f64> = match invert_spd(m, kmat) {
            Some(inv) => inv,
            // numerically not positive definite: fall back to LU
            None => match nalgebra::DMatrix::<f64>::from_fn(m, m, kmat).try_inverse() {
                Some(inv) => (0..m * m).map(|t| inv[(t / m, t % m)]).collect(),
                None => return false,
            },
        };
        if inv.iter().any(|v| !v.is_finite()) {
            return false;
        }
        self.refactor_failed = false;
        self.inv.set(m, |i, j| F::cast(inv[i * m + j]));
        self.w.clear();
        self.w.extend(
            inv.chunks_exact(m)
                .map(|row| F::cast(row.iter().sum::<f64>())),
        );
        self.normalise();
        self.refactorisations += 1;
        self.floor = self.probe_residual();
        true
    }

    /// Scores rows already checked.
    pub(crate) fn score_unchecked(&self, x: ArrayView2<'_, F>) -> Array1<F> {
        let mut row = Vec::with_capacity(self.n_features);
        let mut k = Vec::with_capacity(self.n_sv());
        x.rows()
            .into_iter()
            .map(|r| match r.as_slice() {
                Some(s) => self.q(s, &mut k),
                None => {
                    row.clear();
                    row.extend(r.iter().copied());
                    self.q(&row, &mut k)
                }
            })
            .collect()
    }

    /// Learns one sample after checking it; reports what happened.
    ///
    /// # Errors
    /// Wrong feature count or a non-finite value.
    pub fn learn_sample(&mut self, x: ArrayView1<'_, F>) -> Result<Learned> {
        check_sample(x, self.n_features)?;
        let owned;
        let s = match x.as_slice() {
            Some(s) => s,
            None => {
                owned = x.to_vec();
                &owned
            }
        };
        Ok(self.learn(s))
    }
}

/// `max_i |got_i - want(i)|`.
fn max_error<F: Float>(got: &[F], want: impl Fn(usize) -> F) -> f64 {
    got.iter()
        .enumerate()
        .map(|(i, &v)| (v - want(i)).as_f64().abs())
        .fold(0.0, f64::max)
}

impl<F: Float> Detector<F> for Fisvdd<F> {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn score(&self, x: ArrayView2<'_, F>) -> oddframe::Result<Array1<F>> {
        check_matrix(x, self.n_features)?;
        Ok(self.score_unchecked(x))
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> oddframe::Result<oddframe::persist::Envelope> {
        oddframe::Persist::to_envelope(self)
    }
}

/// One sample at a time for the core's streaming layer
/// (`oddframe::streaming::StreamingDetector`): scores `Q(x)`, learns as
/// [`Fisvdd::learn_sample`], and refits on a buffer with the model's own
/// parameters (bandwidth rule included).
impl<F: Float> OnlineModel<[F]> for Fisvdd<F> {
    fn score_sample(&self, x: &[F]) -> oddframe::Result<f64> {
        check_sample(ArrayView1::from(x), self.n_features)?;
        let mut buf = Vec::with_capacity(self.n_sv());
        Ok(self.q(x, &mut buf).as_f64())
    }

    fn learn(&mut self, x: &[F]) -> oddframe::Result<()> {
        self.learn_sample(ArrayView1::from(x))
            .map(drop)
            .map_err(Error::from)
    }

    fn refit(&self, samples: &[Vec<F>]) -> Option<oddframe::Result<Self>> {
        if samples.is_empty() {
            // asked whether refits are possible: they are
            return Some(Err(Error::Empty {
                what: "refit samples",
            }));
        }
        let d = self.n_features;
        let flat: Vec<F> = samples.iter().flatten().copied().collect();
        let x = match ndarray::Array2::from_shape_vec((samples.len(), d), flat) {
            Ok(x) => x,
            Err(_) => {
                return Some(Err(Error::DimensionMismatch {
                    what: "refit sample features",
                    expected: d,
                    found: samples.iter().map(Vec::len).find(|&n| n != d).unwrap_or(0),
                }))
            }
        };
        Some(self.opts.fit(x.view()).map_err(Error::from))
    }
}

impl<F: Float> IncrementalDetector<F> for Fisvdd<F> {
    fn update(&mut self, x: ArrayView1<'_, F>) -> oddframe::Result<()> {
        self.learn_sample(x).map(|_| ()).map_err(Error::from)
    }
}
