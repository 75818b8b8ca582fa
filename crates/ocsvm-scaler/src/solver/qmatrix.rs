//! The kernel matrix `Q` of the one-class dual, seen through the solver's
//! permutation of the samples and served column by column from the cache.
//!
//! Columns are computed in blocks by [`KernelFn::block`] (one matrix product
//! per block), so every entry `Q[r, c]` is the same number whichever block or
//! column request produced it: the solution does not depend on the cache
//! size.

use ndarray::{Array2, ArrayView2, Axis, Slice};
use oddframe::Float;

use super::cache::Cache;
use crate::kernel::{row_norms, KernelFn, Scratch};

pub(crate) struct QMatrix<F: Float> {
    /// Samples in the solver's current order.
    x: Array2<F>,
    sq: Vec<f64>,
    qd: Vec<f64>,
    kernel: KernelFn,
    cache: Cache,
    scratch: Scratch<F>,
    /// Columns computed (for diagnostics and benchmarks).
    pub(crate) columns_computed: u64,
}

impl<F: Float> QMatrix<F> {
    pub(crate) fn new(x: ArrayView2<'_, F>, kernel: KernelFn, cache_bytes: usize) -> Self {
        let x = x.as_standard_layout().into_owned();
        let sq = if kernel.needs_norms() {
            row_norms(x.view())
        } else {
            vec![0.0; x.nrows()]
        };
        // the diagonal from the squared norms: exactly 1 for the RBF kernel,
        // as in LIBSVM
        let norms = row_norms(x.view());
        let qd = norms
            .iter()
            .map(|&s| kernel.value_from_dot(s, s, s))
            .collect();
        Self {
            qd,
            cache: Cache::new(x.nrows(), cache_bytes),
            scratch: Scratch::default(),
            x,
            sq,
            kernel,
            columns_computed: 0,
        }
    }

    pub(crate) fn qd(&self) -> &[f64] {
        &self.qd
    }

    /// Makes columns `cols` hold rows `0..len`, computing the missing rows of
    /// all of them with one matrix product per contiguous row range.
    pub(crate) fn fill(&mut self, cols: &[usize], len: usize) {
        // the common case: all cached, only the recency changes
        if cols.iter().all(|&c| self.cache.has(c, len)) {
            for &c in cols {
                self.cache.reserve(c, len);
            }
            return;
        }
        // never ask the cache for more columns at once than it can hold
        let per_call = (self.cache.capacity() / (2 * len.max(1))).max(1);
        for chunk in cols.chunks(per_call) {
            self.fill_chunk(chunk, len);
        }
    }

    fn fill_chunk(&mut self, cols: &[usize], len: usize) {
        let mut need: Vec<(usize, usize)> = Vec::with_capacity(cols.len());
        for &c in cols {
            let start = self.cache.reserve(c, len);
            if start < len {
                need.push((c, start));
            }
        }
        // one product from the lowest missing row; rows a column already
        // holds are recomputed to the same values and not written
        let Some(lo) = need.iter().map(|&(_, s)| s).min() else {
            return;
        };
        self.columns_computed += need.len() as u64;
        let idx: Vec<usize> = need.iter().map(|&(c, _)| c).collect();
        let b = self.x.select(Axis(0), &idx);
        let sq_b: Vec<f64> = idx.iter().map(|&c| self.sq[c]).collect();
        let a = self.x.slice_axis(Axis(0), Slice::from(lo..len));
        let (cache, scratch) = (&mut self.cache, &mut self.scratch);
        // rows of the product are the columns' entries: compute B A^T
        self.kernel
            .block(b.view(), &sq_b, a, &self.sq[lo..len], scratch, |r, vals| {
                let (c, start) = need[r];
                let col = cache.col_mut(c);
                for (o, &v) in col[start..len].iter_mut().zip(&vals[start - lo..]) {
                    *o = v as f32;
                }
            });
    }

    /// Column `i`, rows `0..len`.
    pub(crate) fn column(&mut self, i: usize, len: usize) -> &[f32] {
        self.fill(&[i], len);
        &self.cache.col(i)[..len]
    }

    /// Column `i`, rows `0..len`, with the diagonal of `Q`.
    pub(crate) fn column_and_diag(&mut self, i: usize, len: usize) -> (&[f32], &[f64]) {
        self.fill(&[i], len);
        (&self.cache.col(i)[..len], &self.qd)
    }

    /// Columns `i` and `j`, rows `0..len`.
    pub(crate) fn pair(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.fill(&[i, j], len);
        (&self.cache.col(i)[..len], &self.cache.col(j)[..len])
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// Whether column `i` is cached for rows `0..len`.
    pub(crate) fn has(&self, i: usize, len: usize) -> bool {
        self.cache.has(i, len)
    }

    pub(crate) fn swap_index(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let d = self.x.ncols();
        if let Some(flat) = self.x.as_slice_mut() {
            let (lo, hi) = (i.min(j), i.max(j));
            let (head, tail) = flat.split_at_mut(hi * d);
            head[lo * d..(lo + 1) * d].swap_with_slice(&mut tail[..d]);
        }
        self.sq.swap(i, j);
        self.qd.swap(i, j);
        self.cache.swap_index(i, j);
    }
}
