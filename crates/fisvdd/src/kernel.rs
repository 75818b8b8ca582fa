//! The support set and the Gaussian kernel evaluation, the inner loop of
//! both learning and scoring.
//!
//! Support vectors are kept twice: row-major (one slice per vector, for
//! saving and for handing removed points back) and feature-major with spare
//! capacity, so that the squared distances from one sample to every support
//! vector are computed in loops the compiler vectorises. The exponential is
//! evaluated by the core's `exp_neg_in_place`, a branch-free version of the standard
//! range-reduction scheme that also vectorises.

use oddframe::math::exp_neg_in_place;
use oddframe::Float;

/// Support vectors in both layouts.
#[derive(Debug, Clone)]
pub(crate) struct SupportSet<F> {
    d: usize,
    /// Row-major, `n x d`.
    rows: Vec<F>,
    /// Feature-major, `d x cap`.
    cols: Vec<F>,
    cap: usize,
}

impl<F: Float> SupportSet<F> {
    pub(crate) fn new(d: usize) -> Self {
        Self {
            d,
            rows: Vec::new(),
            cols: Vec::new(),
            cap: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len() / self.d
    }

    pub(crate) fn rows(&self) -> &[F] {
        &self.rows
    }

    pub(crate) fn push(&mut self, x: &[F]) {
        let n = self.len();
        if n == self.cap {
            let cap = (self.cap * 2).max(16);
            let mut cols = vec![F::zero(); self.d * cap];
            for j in 0..self.d {
                cols[j * cap..j * cap + n]
                    .copy_from_slice(&self.cols[j * self.cap..j * self.cap + n]);
            }
            self.cols = cols;
            self.cap = cap;
        }
        for (j, &v) in x.iter().enumerate() {
            self.cols[j * self.cap + n] = v;
        }
        self.rows.extend_from_slice(x);
    }

    pub(crate) fn remove(&mut self, i: usize) -> Vec<F> {
        let n = self.len();
        for j in 0..self.d {
            let base = j * self.cap;
            self.cols.copy_within(base + i + 1..base + n, base + i);
        }
        self.rows.drain(i * self.d..(i + 1) * self.d).collect()
    }

    /// `sum_i w_i exp(neg_gamma * ||x - s_i||^2)`; `buf` is scratch space.
    pub(crate) fn weighted_sum(&self, x: &[F], neg_gamma: f64, w: &[F], buf: &mut Vec<f64>) -> f64 {
        self.kernel(x, neg_gamma, buf);
        // four independent partial sums let the compiler vectorise the loop
        let mut acc = [0.0f64; 4];
        let (head, tail) = buf.split_at(buf.len() / 4 * 4);
        for (k4, w4) in head.chunks_exact(4).zip(w.chunks_exact(4)) {
            for j in 0..4 {
                acc[j] += k4[j] * w4[j].as_f64();
            }
        }
        let rest: f64 = tail
            .iter()
            .zip(&w[head.len()..])
            .map(|(&k, &wi)| k * wi.as_f64())
            .sum();
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
    }

    /// `out[i] = exp(neg_gamma * ||x - s_i||^2)` for every support vector.
    pub(crate) fn kernel(&self, x: &[F], neg_gamma: f64, out: &mut Vec<f64>) {
        self.sq_dist(x, out);
        for o in out.iter_mut() {
            *o *= neg_gamma;
        }
        exp_neg_in_place(out);
    }

    /// `out[i] = ||x - s_i||^2`.
    fn sq_dist(&self, x: &[F], out: &mut Vec<f64>) {
        let n = self.len();
        out.clear();
        out.resize(n, 0.0);
        for (j, &xj) in x.iter().enumerate() {
            let col = &self.cols[j * self.cap..j * self.cap + n];
            for (o, &s) in out.iter_mut().zip(col) {
                let diff = (s - xj).as_f64();
                *o += diff * diff;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_agree_after_removal() {
        let mut s = SupportSet::<f64>::new(2);
        for i in 0..20 {
            s.push(&[f64::from(i), -f64::from(i)]);
        }
        assert_eq!(s.remove(3), vec![3.0, -3.0]);
        let mut k = Vec::new();
        s.kernel(&[4.0, -4.0], -1.0, &mut k);
        assert_eq!(k.len(), 19);
        assert_eq!(k[3], 1.0); // row 3 is now the point (4, -4)
        assert_eq!(&s.rows()[6..8], &[4.0, -4.0]);
    }
}
