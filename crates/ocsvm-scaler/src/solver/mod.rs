//! The one-class nu-SVM dual solved by sequential minimal optimisation, as
//! LIBSVM solves it.
//!
//! The problem (Schölkopf et al., "Estimating the support of a
//! high-dimensional distribution", Neural Computation 13, 2001) is
//!
//! ```text
//! min 1/2 a' Q a   subject to 0 <= a_i <= 1,  sum a_i = nu l
//! ```
//!
//! with `Q_ij = K(x_i, x_j)`. The algorithm follows the description of
//! LIBSVM by Chang & Lin ("LIBSVM: a library for support vector machines",
//! ACM TIST 2(3), 2011, sections 4.1-4.3 and 5) and Fan, Chen & Lin
//! ("Working set selection using second order information for training
//! SVM", JMLR 6, 2005):
//!
//! - initial point: the first `floor(nu l)` multipliers at 1 and the next one
//!   at the remainder (LIBSVM's choice, so that the iterates, and therefore
//!   the support set reached at the stopping tolerance, are LIBSVM's);
//! - working set: `i` maximises `-G_i` over multipliers below the upper
//!   bound, `j` minimises the second-order decrease `-(G_j - G_i)^2 / a_ij`
//!   over multipliers above the lower bound with `G_j > -G_i`;
//! - stop when `m(a) - M(a) < eps`;
//! - shrinking every `min(l, 1000)` iterations, with the gradient rebuilt
//!   from `G_bar` once when the gap first falls below `10 eps` (the
//!   "unshrink" rule) and again before the final optimality check;
//! - `rho` as the mean gradient over free multipliers, or the midpoint of
//!   the feasible interval when none is free.
//!
//! Ties between candidates resolve to the later index, and every floating
//! point expression is evaluated in LIBSVM's order, so that the solver
//! visits the same iterates as scikit-learn's `OneClassSVM` up to the
//! rounding of kernel values.

mod cache;
mod qmatrix;

use ndarray::ArrayView2;
use oddframe::Float;

use crate::kernel::KernelFn;
use qmatrix::QMatrix;

/// `a_ij` below this is replaced by it (LIBSVM's `TAU`).
const TAU: f64 = 1e-12;
/// Most columns computed per pass over the data when a column is missing.
const PREFETCH: usize = 64;
/// Data size (bytes) per prefetched column. Each pass packs the data for
/// the matrix product, so even small data sets gain from a few columns per
/// pass; beyond that, speculative columns cost more than they save.
/// (Measured: 2,000 x 16 fits in 10 ms at 32 KiB per column, 14 ms at
/// 128 KiB; wide data reaches [`PREFETCH`] either way.)
const PREFETCH_BYTES_PER_COLUMN: usize = 32 << 10;
/// Columns per pass when the initial gradient is built.
const INIT_BLOCK: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Lower,
    Upper,
    Free,
}

fn bound_of(a: f64) -> Bound {
    if a >= 1.0 {
        Bound::Upper
    } else if a <= 0.0 {
        Bound::Lower
    } else {
        Bound::Free
    }
}

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub(crate) nu: f64,
    pub(crate) tol: f64,
    pub(crate) shrinking: bool,
    pub(crate) max_iter: u64,
    pub(crate) cache_bytes: usize,
}

/// The result in the caller's sample order.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub(crate) alpha: Vec<f64>,
    pub(crate) rho: f64,
    pub(crate) objective: f64,
    pub(crate) iterations: u64,
    /// `m(a) - M(a)` at the end (below `tol` when converged).
    pub(crate) gap: f64,
    pub(crate) converged: bool,
    pub(crate) columns_computed: u64,
}

struct Solver<F: Float> {
    q: QMatrix<F>,
    l: usize,
    active_size: usize,
    alpha: Vec<f64>,
    status: Vec<Bound>,
    g: Vec<f64>,
    /// `G_bar_i = sum over upper-bound j of Q_ij`.
    g_bar: Vec<f64>,
    active_set: Vec<usize>,
    tol: f64,
    unshrink: bool,
}

/// Solves the one-class dual for the rows of `x`.
pub(crate) fn solve<F: Float>(x: ArrayView2<'_, F>, kernel: KernelFn, opts: Options) -> Solution {
    let l = x.nrows();
    let alpha = initial_alpha(l, opts.nu);
    let status = alpha.iter().map(|&a| bound_of(a)).collect();
    let mut s = Solver {
        q: QMatrix::new(x, kernel, opts.cache_bytes),
        l,
        active_size: l,
        alpha,
        status,
        g: vec![0.0; l],
        g_bar: vec![0.0; l],
        active_set: (0..l).collect(),
        tol: opts.tol,
        unshrink: false,
    };
    s.init_gradient();
    s.run(opts)
}

/// LIBSVM's starting point: `nu l` (summed one sample at a time, as LIBSVM
/// does) spread over the first multipliers, each at most 1.
fn initial_alpha(l: usize, nu: f64) -> Vec<f64> {
    let mut nu_l = 0.0;
    for _ in 0..l {
        nu_l += nu;
    }
    let mut alpha = vec![0.0; l];
    for a in alpha.iter_mut() {
        if nu_l <= 0.0 {
            break;
        }
        *a = nu_l.min(1.0);
        nu_l -= *a;
    }
    alpha
}

impl<F: Float> Solver<F> {
    /// `G = Q a` and `G_bar`, from the columns of the non-zero multipliers,
    /// computed in blocks.
    fn init_gradient(&mut self) {
        let l = self.l;
        let nonzero: Vec<usize> = (0..l).filter(|&i| self.status[i] != Bound::Lower).collect();
        for block in nonzero.chunks(INIT_BLOCK) {
            self.q.fill(block, l);
            for &i in block {
                let ai = self.alpha[i];
                let upper = self.status[i] == Bound::Upper;
                let qi = self.q.column(i, l);
                for (gj, &qij) in self.g.iter_mut().zip(qi) {
                    *gj += ai * f64::from(qij);
                }
                if upper {
                    for (gb, &qij) in self.g_bar.iter_mut().zip(qi) {
                        *gb += f64::from(qij);
                    }
                }
            }
        }
    }

    fn run(mut self, opts: Options) -> Solution {
        let mut iter: u64 = 0;
        let mut counter = self.l.min(1000) + 1;
        let mut converged = false;
        while iter < opts.max_iter {
            counter -= 1;
            if counter == 0 {
                counter = self.l.min(1000);
                if opts.shrinking {
                    self.do_shrinking();
                }
            }
            let (i, j) = match self.select_working_set() {
                Some(pair) => pair,
                None => {
                    self.reconstruct_gradient();
                    self.active_size = self.l;
                    match self.select_working_set() {
                        Some(pair) => {
                            counter = 1;
                            pair
                        }
                        None => {
                            converged = true;
                            break;
                        }
                    }
                }
            };
            iter += 1;
            self.take_step(i, j);
        }
        if self.active_size < self.l {
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let gap = self.gap();
        let rho = self.rho();
        let objective = self
            .alpha
            .iter()
            .zip(&self.g)
            .map(|(a, g)| a * g)
            .sum::<f64>()
            / 2.0;
        let mut alpha = vec![0.0; self.l];
        for (k, &orig) in self.active_set.iter().enumerate() {
            alpha[orig] = self.alpha[k];
        }
        Solution {
            alpha,
            rho,
            objective,
            iterations: iter,
            gap,
            converged,
            columns_computed: self.q.columns_computed,
        }
    }

    /// Fan, Chen & Lin's second-order working set, or `None` at optimality.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        let n = self.active_size;
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax_idx = None;
        for t in 0..n {
            if self.status[t] != Bound::Upper && -self.g[t] >= gmax {
                gmax = -self.g[t];
                gmax_idx = Some(t);
            }
        }
        // no multiplier can grow: optimal (LIBSVM's "no i" case)
        let i = gmax_idx?;
        let mut gmax2 = f64::NEG_INFINITY;
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        self.prefetch(i);
        let (qi, qd) = self.q.column_and_diag(i, n);
        let qd_i = qd[i];
        for j in 0..n {
            if self.status[j] == Bound::Lower {
                continue;
            }
            let gj = self.g[j];
            let grad_diff = gmax + gj;
            if gj >= gmax2 {
                gmax2 = gj;
            }
            if grad_diff > 0.0 {
                let quad = qd_i + qd[j] - 2.0 * f64::from(qi[j]);
                let obj_diff = if quad > 0.0 {
                    -(grad_diff * grad_diff) / quad
                } else {
                    -(grad_diff * grad_diff) / TAU
                };
                if obj_diff <= obj_diff_min {
                    gmin_idx = Some(j);
                    obj_diff_min = obj_diff;
                }
            }
        }
        match gmin_idx {
            Some(j) if gmax + gmax2 >= self.tol => Some((i, j)),
            _ => None,
        }
    }

    /// Before computing a missing column `i`, computes in the same pass over
    /// the data the columns most likely to be asked for next: the
    /// multipliers below the upper bound with the most negative gradients
    /// (the next candidates for `i`). A pass costs about as much for
    /// [`PREFETCH`] columns as for one, because it is bound by reading the
    /// data; columns that are never used only cost cache space.
    fn prefetch(&mut self, i: usize) {
        let n = self.active_size;
        if self.q.has(i, n) {
            return;
        }
        let mut cand: Vec<(f64, usize)> = (0..n)
            .filter(|&t| t != i && self.status[t] != Bound::Upper && !self.q.has(t, n))
            .map(|t| (self.g[t], t))
            .collect();
        let bytes = self.l * self.q.n_features() * std::mem::size_of::<F>();
        let k = (bytes / PREFETCH_BYTES_PER_COLUMN).clamp(1, PREFETCH) - 1;
        if k == 0 {
            return;
        }
        if cand.len() > k {
            cand.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0));
            cand.truncate(k);
        }
        let mut cols: Vec<usize> = Vec::with_capacity(k + 1);
        cols.push(i);
        cols.extend(cand.iter().map(|&(_, t)| t));
        self.q.fill(&cols, n);
    }

    /// Solves the two-variable subproblem and updates the gradients.
    fn take_step(&mut self, i: usize, j: usize) {
        let n = self.active_size;
        let (qd_i, qd_j) = (self.q.qd()[i], self.q.qd()[j]);
        let (qi, qj) = self.q.pair(i, j, n);
        let (old_ai, old_aj) = (self.alpha[i], self.alpha[j]);
        let mut quad = qd_i + qd_j - 2.0 * f64::from(qi[j]);
        if quad <= 0.0 {
            quad = TAU;
        }
        let delta = (self.g[i] - self.g[j]) / quad;
        let sum = old_ai + old_aj;
        let (mut ai, mut aj) = (old_ai - delta, old_aj + delta);
        if sum > 1.0 {
            if ai > 1.0 {
                ai = 1.0;
                aj = sum - 1.0;
            }
        } else if aj < 0.0 {
            aj = 0.0;
            ai = sum;
        }
        if sum > 1.0 {
            if aj > 1.0 {
                aj = 1.0;
                ai = sum - 1.0;
            }
        } else if ai < 0.0 {
            ai = 0.0;
            aj = sum;
        }
        let (dai, daj) = (ai - old_ai, aj - old_aj);
        for ((gk, &qik), &qjk) in self.g[..n].iter_mut().zip(qi).zip(qj) {
            *gk += f64::from(qik) * dai + f64::from(qjk) * daj;
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        for (k, a) in [(i, ai), (j, aj)] {
            let was_upper = self.status[k] == Bound::Upper;
            self.status[k] = bound_of(a);
            let is_upper = self.status[k] == Bound::Upper;
            if was_upper != is_upper {
                let l = self.l;
                let qk = self.q.column(k, l);
                if was_upper {
                    for (gb, &q) in self.g_bar.iter_mut().zip(qk) {
                        *gb -= f64::from(q);
                    }
                } else {
                    for (gb, &q) in self.g_bar.iter_mut().zip(qk) {
                        *gb += f64::from(q);
                    }
                }
            }
        }
    }

    /// `m(a) - M(a)` over the active set.
    fn gap(&self) -> f64 {
        let (g1, g2) = self.extreme_gradients();
        g1 + g2
    }

    /// `max -G` over multipliers below the upper bound and `max G` over
    /// multipliers above the lower bound (LIBSVM's `Gmax1`, `Gmax2`).
    fn extreme_gradients(&self) -> (f64, f64) {
        let mut g1 = f64::NEG_INFINITY;
        let mut g2 = f64::NEG_INFINITY;
        for t in 0..self.active_size {
            if self.status[t] != Bound::Upper && -self.g[t] >= g1 {
                g1 = -self.g[t];
            }
            if self.status[t] != Bound::Lower && self.g[t] >= g2 {
                g2 = self.g[t];
            }
        }
        (g1, g2)
    }

    fn be_shrunk(&self, i: usize, g1: f64, g2: f64) -> bool {
        match self.status[i] {
            Bound::Upper => -self.g[i] > g1,
            Bound::Lower => self.g[i] > g2,
            Bound::Free => false,
        }
    }

    fn do_shrinking(&mut self) {
        let (g1, g2) = self.extreme_gradients();
        if !self.unshrink && g1 + g2 <= self.tol * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, g1, g2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, g1, g2) {
                        self.swap_index(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.q.swap_index(i, j);
        self.alpha.swap(i, j);
        self.status.swap(i, j);
        self.g.swap(i, j);
        self.g_bar.swap(i, j);
        self.active_set.swap(i, j);
    }

    /// Recomputes the gradient of the inactive multipliers from `G_bar` and
    /// the free multipliers, choosing the cheaper loop order as LIBSVM does.
    fn reconstruct_gradient(&mut self) {
        let (n, l) = (self.active_size, self.l);
        if n == l {
            return;
        }
        self.g[n..l].copy_from_slice(&self.g_bar[n..l]);
        let free: Vec<usize> = (0..n).filter(|&j| self.status[j] == Bound::Free).collect();
        if free.len() * l > 2 * n * (l - n) {
            for i in n..l {
                let qi = self.q.column(i, n);
                let mut gi = self.g[i];
                for &j in &free {
                    gi += self.alpha[j] * f64::from(qi[j]);
                }
                self.g[i] = gi;
            }
        } else {
            for &i in &free {
                let ai = self.alpha[i];
                let qi = self.q.column(i, l);
                for (gj, &q) in self.g[n..l].iter_mut().zip(&qi[n..l]) {
                    *gj += ai * f64::from(q);
                }
            }
        }
    }

    /// LIBSVM's `rho`: the mean gradient over free multipliers, or the
    /// midpoint of the feasible interval when none is free.
    fn rho(&self) -> f64 {
        let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut n_free, mut sum_free) = (0usize, 0.0);
        for i in 0..self.active_size {
            let g = self.g[i];
            match self.status[i] {
                Bound::Upper => lb = lb.max(g),
                Bound::Lower => ub = ub.min(g),
                Bound::Free => {
                    n_free += 1;
                    sum_free += g;
                }
            }
        }
        if n_free > 0 {
            sum_free / n_free as f64
        } else {
            (ub + lb) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_point_spreads_nu_l() {
        let a = initial_alpha(10, 0.25);
        assert_eq!(&a[..3], &[1.0, 1.0, 0.5]);
        assert!(a[3..].iter().all(|&v| v == 0.0));
        let a = initial_alpha(3, 1.0);
        assert_eq!(a, vec![1.0, 1.0, 1.0]);
    }
}
