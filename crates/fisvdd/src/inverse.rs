//! Symmetric matrices with spare capacity, so that growing and shrinking
//! them by one row and column runs in place: the kernel matrix of the
//! support vectors and its inverse (with the block updates of Lemmas 2, 3).

use ndarray::Array2;
use oddframe::math::dot;
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

    /// `A v` (for the inverse, `A^-1 v`), into `out`.
    pub(crate) fn matvec(&self, v: &[F], out: &mut Vec<F>) {
        out.clear();
        out.extend((0..self.m).map(|i| dot(self.row(i), v)));
    }

    /// `A u` and `A v` in one pass over the matrix (each row is read from
    /// memory once and used twice while it is in the L1 cache).
    pub(crate) fn matvec2(&self, u: &[F], v: &[F], out_u: &mut Vec<F>, out_v: &mut Vec<F>) {
        out_u.clear();
        out_v.clear();
        for i in 0..self.m {
            let row = self.row(i);
            out_u.push(dot(row, u));
            out_v.push(dot(row, v));
        }
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
    ///
    /// One pass over the matrix: each kept row is down-dated and written,
    /// without its entry `i`, to its new place (never after its old one, so
    /// no row is overwritten before it is read).
    pub(crate) fn remove(&mut self, i: usize) -> Vec<F> {
        let (m, cap) = (self.m, self.cap);
        let c: Vec<F> = (0..m).map(|r| self.data[r * cap + i]).collect();
        let d = c[i];
        let (c_head, c_tail) = (&c[..i], &c[i + 1..]);
        for r in 0..m {
            let cr = c[r] / d;
            if r < i {
                // in place: columns before i stay, those after move one left
                let row = &mut self.data[r * cap..r * cap + m];
                for (v, &cj) in row[..i].iter_mut().zip(c_head) {
                    *v -= cr * cj;
                }
                for (v, &cj) in row[i + 1..].iter_mut().zip(c_tail) {
                    *v -= cr * cj;
                }
                row.copy_within(i + 1..m, i);
            } else if r > i {
                // to the row above, which is already done (or is row i)
                let (above, from) = self.data.split_at_mut(r * cap);
                let (src, dst) = (&from[..m], &mut above[(r - 1) * cap..(r - 1) * cap + m - 1]);
                for ((v, &s), &cj) in dst[..i].iter_mut().zip(&src[..i]).zip(c_head) {
                    *v = s - cr * cj;
                }
                for ((v, &s), &cj) in dst[i..].iter_mut().zip(&src[i + 1..]).zip(c_tail) {
                    *v = s - cr * cj;
                }
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

    /// Deletes row and column `i` (no update of the rest): rows before `i`
    /// lose one entry, rows after it move up with their entry `i` dropped.
    pub(crate) fn delete(&mut self, i: usize) {
        let (m, cap) = (self.m, self.cap);
        for r in 0..i {
            self.data
                .copy_within(r * cap + i + 1..r * cap + m, r * cap + i);
        }
        for r in i + 1..m {
            let (src, dst) = (r * cap, (r - 1) * cap);
            self.data.copy_within(src..src + i, dst);
            self.data.copy_within(src + i + 1..src + m, dst + i);
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

/// The inverse of a symmetric positive definite `m x m` matrix given
/// element-wise, row-major; `None` when it is numerically not positive
/// definite.
///
/// `A = L L'` (nalgebra's Cholesky), then `L W = I` by forward and
/// `L' X = W` by back substitution, both a whole row at a time
/// (`X_i = (W_i - sum_{k>i} L_ki X_k) / L_ii`): the arithmetic of solving
/// against the identity column by column, with the same accuracy, but with
/// inner loops over contiguous rows that vectorise. (Forming `W' W` instead
/// would save a third of the work but loses accuracy on ill-conditioned
/// kernel matrices.)
pub(crate) fn invert_spd(m: usize, a: impl Fn(usize, usize) -> f64) -> Option<Vec<f64>> {
    let l = nalgebra::DMatrix::<f64>::from_fn(m, m, a)
        .cholesky()?
        .unpack();
    // W = L^-1, lower triangular, row i holding entries 0..=i
    let mut w = vec![0.0; m * m];
    for i in 0..m {
        let (done, row) = w.split_at_mut(i * m);
        let row = &mut row[..=i];
        row[i] = 1.0;
        for k in 0..i {
            let lik = l[(i, k)];
            for (x, &wk) in row[..=k].iter_mut().zip(&done[k * m..=k * m + k]) {
                *x -= lik * wk;
            }
        }
        let d = l[(i, i)];
        for x in row.iter_mut() {
            *x /= d;
        }
    }
    // back substitution, L' X = W, from the last row up:
    // X_i = (W_i - sum_{k>i} L_ki X_k) / L_ii, rows in place of W's
    let mut x = w;
    for i in (0..m).rev() {
        let (row, below) = x[i * m..].split_at_mut(m);
        for k in i + 1..m {
            let lki = l[(k, i)];
            let xk = &below[(k - i - 1) * m..(k - i) * m];
            for (v, &xkj) in row.iter_mut().zip(xk) {
                *v -= lki * xkj;
            }
        }
        let d = l[(i, i)];
        for v in row.iter_mut() {
            *v /= d;
        }
    }
    let inv = x;
    inv.iter().all(|v| v.is_finite()).then_some(inv)
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

    /// A 13 x 13 symmetric matrix with spare capacity (12 set, one appended).
    fn sample() -> SymMatrix<f64> {
        let mut a = SymMatrix::<f64>::one();
        a.set(12, |i, j| {
            let (i, j) = (i.min(j) as f64, i.max(j) as f64);
            if i == j {
                20.0 + i
            } else {
                (i * 3.0 + j * 7.0) % 5.0 - 2.0
            }
        });
        let last: Vec<f64> = (0..12).map(|j| 0.5 - f64::from(j as u8) / 10.0).collect();
        a.append(&last, 30.0);
        a
    }

    #[test]
    fn remove_and_delete_match_the_formulas_at_every_position() {
        let old = sample().to_array();
        let m = old.nrows();
        for i in 0..m {
            let keep: Vec<usize> = (0..m).filter(|&r| r != i).collect();
            let mut a = sample();
            let c = a.remove(i);
            assert_eq!(c, old.column(i).to_vec());
            let got = a.to_array();
            for (r, &or) in keep.iter().enumerate() {
                for (s, &os) in keep.iter().enumerate() {
                    let want = old[(or, os)] - old[(or, i)] * old[(i, os)] / old[(i, i)];
                    assert!((got[(r, s)] - want).abs() < 1e-12, "remove {i}: ({r}, {s})");
                }
            }
            let mut k = sample();
            k.delete(i);
            let got = k.to_array();
            for (r, &or) in keep.iter().enumerate() {
                for (s, &os) in keep.iter().enumerate() {
                    assert_eq!(got[(r, s)], old[(or, os)], "delete {i}: ({r}, {s})");
                }
            }
        }
    }

    #[test]
    fn matvec2_is_two_matvecs() {
        let a = sample();
        let u: Vec<f64> = (0..13).map(|i| f64::from(i) - 6.0).collect();
        let v: Vec<f64> = (0..13).map(|i| f64::from(i * i % 7)).collect();
        let (mut au, mut av, mut bu, mut bv) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        a.matvec(&u, &mut au);
        a.matvec(&v, &mut av);
        a.matvec2(&u, &v, &mut bu, &mut bv);
        assert_eq!((au, av), (bu, bv));
    }

    #[test]
    fn invert_spd_inverts() {
        // a kernel matrix of 40 points on a line (condition number about
        // 40), and an indefinite matrix
        let pts: Vec<f64> = (0..40).map(|i| f64::from(i) * 1.1).collect();
        let k = |i: usize, j: usize| (-(pts[i] - pts[j]).powi(2) / 2.0).exp();
        let inv = invert_spd(40, k).expect("positive definite");
        let mut worst: f64 = 0.0;
        for i in 0..40 {
            for j in 0..40 {
                let ij: f64 = (0..40).map(|t| k(i, t) * inv[t * 40 + j]).sum();
                worst = worst.max((ij - f64::from(u8::from(i == j))).abs());
                assert!((inv[i * 40 + j] - inv[j * 40 + i]).abs() < 1e-9);
            }
        }
        assert!(worst < 1e-8, "residual {worst}");
        assert!(invert_spd(2, |i, j| if i == j { 1.0 } else { 2.0 }).is_none());
    }

    #[test]
    fn invert_spd_is_as_accurate_as_solving_against_the_identity() {
        // closer points: condition numbers of about 1e10 and 1e16
        for spacing in [0.5, 0.37] {
            let pts: Vec<f64> = (0..40).map(|i| f64::from(i) * spacing).collect();
            let k = |i: usize, j: usize| (-(pts[i] - pts[j]).powi(2) / 2.0).exp();
            let ours = invert_spd(40, k).expect("numerically positive definite");
            let solved = nalgebra::DMatrix::<f64>::from_fn(40, 40, k)
                .cholesky()
                .expect("numerically positive definite")
                .inverse();
            let residual = |inv: &dyn Fn(usize, usize) -> f64| {
                let mut worst: f64 = 0.0;
                for i in 0..40 {
                    for j in 0..40 {
                        let ij: f64 = (0..40).map(|t| k(i, t) * inv(t, j)).sum();
                        worst = worst.max((ij - f64::from(u8::from(i == j))).abs());
                    }
                }
                worst
            };
            let (a, b) = (
                residual(&|i, j| ours[i * 40 + j]),
                residual(&|i, j| solved[(i, j)]),
            );
            assert!(
                a <= 2.0 * b,
                "spacing {spacing}: residual {a:.3e} vs {b:.3e}"
            );
        }
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
