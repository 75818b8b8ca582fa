//! Symmetric matrices with spare capacity, so that growing and shrinking
//! them by one row and column runs in place: the kernel matrix of the
//! support vectors and its inverse (with the block updates of Lemmas 2, 3).

use ndarray::Array2;
use oddframe::Float;

/// A symmetric `m x m` matrix in a row-major buffer of stride `cap >= m`.
#[derive(Debug, Clone)]
pub(crate) struct SymMatrix<F> {
    data: Vec<F>,
    cap: usize,
    m: usize,
}

impl<F: Float> SymMatrix<F> {
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
            let row = &mut self.data[src..src + m];
            for (v, &cs) in row.iter_mut().zip(&c) {
                *v -= cr * cs;
            }
            row.copy_within(i + 1..m, i);
            if dst != r {
                self.data.copy_within(src..src + m - 1, dst * cap);
            }
        }
        self.m = m - 1;
        c
    }

    /// Appends a row and column `[v; diag]` (no update of the rest).
    pub(crate) fn append(&mut self, v: &[F], diag: F) {
        let m = self.m;
        self.grow(m + 1);
        let cap = self.cap;
        for (i, &vi) in v.iter().enumerate().take(m) {
            self.data[i * cap + m] = vi;
            self.data[m * cap + i] = vi;
        }
        self.data[m * cap + m] = diag;
        self.m = m + 1;
    }

    /// Deletes row and column `i` (no update of the rest).
    pub(crate) fn delete(&mut self, i: usize) {
        let (m, cap) = (self.m, self.cap);
        for r in (0..m).filter(|&r| r != i) {
            let dst = if r < i { r } else { r - 1 };
            let src = r * cap;
            self.data.copy_within(src + i + 1..src + m, src + i);
            if dst != r {
                self.data.copy_within(src..src + m - 1, dst * cap);
            }
        }
        self.m = m - 1;
    }

    /// Element `(i, j)`.
    pub(crate) fn get(&self, i: usize, j: usize) -> F {
        self.data[i * self.cap + j]
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
        let mut a = SymMatrix::<f64>::one();
        // A = [[1, .5], [.5, 1]]: p = [.5], beta = .75
        a.expand(&[0.5], 0.75);
        let want = [[4.0 / 3.0, -2.0 / 3.0], [-2.0 / 3.0, 4.0 / 3.0]];
        for (i, want_row) in want.iter().enumerate() {
            for (got, w) in a.row(i).iter().zip(want_row) {
                assert!((got - w).abs() < 1e-12);
            }
        }
        let c = a.remove(1);
        assert_eq!(c.len(), 2);
        assert_eq!(a.dim(), 1);
        assert!((a.row(0)[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn append_and_delete_keep_the_other_entries() {
        let mut k = SymMatrix::<f64>::one();
        k.append(&[0.5], 1.0);
        k.append(&[0.25, 0.75], 1.0);
        k.delete(1);
        assert_eq!(k.dim(), 2);
        assert_eq!(
            (k.get(0, 0), k.get(0, 1), k.get(1, 0), k.get(1, 1)),
            (1.0, 0.25, 0.25, 1.0)
        );
    }
}
