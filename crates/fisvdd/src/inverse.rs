//! The inverse of the support vectors' kernel matrix, stored with spare
//! capacity so that the block updates run in place without reallocating.

use ndarray::Array2;
use oddframe::Float;

/// A symmetric `m x m` matrix in a row-major buffer of stride `cap >= m`.
#[derive(Debug, Clone)]
pub(crate) struct Inverse<F> {
    data: Vec<F>,
    cap: usize,
    m: usize,
}

impl<F: Float> Inverse<F> {
    /// The 1 x 1 matrix `[1]`.
    pub(crate) fn one() -> Self {
        Self {
            data: vec![F::one()],
            cap: 1,
            m: 1,
        }
    }

    #[cfg(test)]
    pub(crate) fn dim(&self) -> usize {
        self.m
    }

    pub(crate) fn row(&self, i: usize) -> &[F] {
        &self.data[i * self.cap..i * self.cap + self.m]
    }

    /// `A^-1 v`.
    pub(crate) fn matvec(&self, v: &[F]) -> Vec<F> {
        (0..self.m)
            .map(|i| self.row(i).iter().zip(v).map(|(&a, &b)| a * b).sum())
            .collect()
    }

    fn grow(&mut self, need: usize) {
        if need <= self.cap {
            return;
        }
        let cap = need.max(self.cap * 2).max(8);
        let mut data = vec![F::zero(); cap * cap];
        for i in 0..self.m {
            data[i * cap..i * cap + self.m].copy_from_slice(self.row(i));
        }
        self.data = data;
        self.cap = cap;
    }

    /// Lemma 2: from `A^-1` to the inverse of `[[A, v], [v', 1]]`, given
    /// `p = A^-1 v` and the Schur complement `beta = 1 - v'p`.
    pub(crate) fn expand(&mut self, p: &[F], beta: F) {
        let m = self.m;
        self.grow(m + 1);
        let cap = self.cap;
        for i in 0..m {
            let pi = p[i] / beta;
            let row = &mut self.data[i * cap..i * cap + m];
            for (dst, &pj) in row.iter_mut().zip(p) {
                *dst += pi * pj;
            }
            self.data[i * cap + m] = -pi;
            self.data[m * cap + i] = -pi;
        }
        self.data[m * cap + m] = F::one() / beta;
        self.m = m + 1;
    }

    /// Lemma 3: removes row and column `i`, down-dating the rest; returns
    /// column `i` (before removal).
    pub(crate) fn remove(&mut self, i: usize) -> Vec<F> {
        let (m, cap) = (self.m, self.cap);
        let c: Vec<F> = (0..m).map(|r| self.data[r * cap + i]).collect();
        let d = c[i];
        for r in (0..m).filter(|&r| r != i) {
            let cr = c[r] / d;
            let dst = if r < i { r } else { r - 1 };
            // row r without column i, down-dated, moved to row dst
            let src = r * cap;
            for s in 0..i {
                self.data[src + s] -= cr * c[s];
            }
            for s in i + 1..m {
                self.data[src + s - 1] = self.data[src + s] - cr * c[s];
            }
            if dst != r {
                self.data.copy_within(src..src + m - 1, dst * cap);
            }
        }
        self.m = m - 1;
        c
    }

    /// Replaces the contents with an `m x m` matrix given element-wise.
    pub(crate) fn set(&mut self, m: usize, f: impl Fn(usize, usize) -> F) {
        self.grow(m);
        self.m = m;
        for i in 0..m {
            for j in 0..m {
                self.data[i * self.cap + j] = f(i, j);
            }
        }
    }

    pub(crate) fn to_array(&self) -> Array2<F> {
        Array2::from_shape_fn((self.m, self.m), |(i, j)| self.data[i * self.cap + j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_then_remove_is_the_identity() {
        let mut a = Inverse::<f64>::one();
        // A = [[1, .5], [.5, 1]]: p = [.5], beta = .75
        a.expand(&[0.5], 0.75);
        let want = [[4.0 / 3.0, -2.0 / 3.0], [-2.0 / 3.0, 4.0 / 3.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((a.row(i)[j] - want[i][j]).abs() < 1e-12);
            }
        }
        let c = a.remove(1);
        assert_eq!(c.len(), 2);
        assert_eq!(a.dim(), 1);
        assert!((a.row(0)[0] - 1.0).abs() < 1e-12);
    }
}
