//! A least-recently-used cache of kernel-matrix columns, bounded in bytes.
//!
//! Column `i` holds `Q[0..len, i]` as `f32` (LIBSVM keeps `Q` in single
//! precision too, which halves the memory per column; gradients stay in
//! `f64`). A column may be cached for a prefix of the rows only and is
//! extended on demand. The budget is counted in stored values; the two most
//! recent columns always fit (the budget is raised to `2 l` values if set
//! lower), because one solver step needs two columns at once.

/// The cache; indices follow the solver's current permutation.
pub(crate) struct Cache {
    cols: Vec<Vec<f32>>,
    /// Doubly-linked LRU list over `0..l`; node `l` is the sentinel
    /// (`next[l]` is the least recently used column).
    prev: Vec<usize>,
    next: Vec<usize>,
    linked: Vec<bool>,
    /// Values that may still be stored.
    free: usize,
    /// The budget in values.
    capacity: usize,
}

impl Cache {
    /// A cache for `l` columns within about `bytes` bytes.
    pub(crate) fn new(l: usize, bytes: usize) -> Self {
        let values = (bytes / std::mem::size_of::<f32>()).max(2 * l);
        Self {
            cols: vec![Vec::new(); l],
            prev: vec![l; l + 1],
            next: vec![l; l + 1],
            linked: vec![false; l],
            free: values,
            capacity: values,
        }
    }

    fn unlink(&mut self, i: usize) {
        if self.linked[i] {
            let (p, n) = (self.prev[i], self.next[i]);
            self.next[p] = n;
            self.prev[n] = p;
            self.linked[i] = false;
        }
    }

    fn push_back(&mut self, i: usize) {
        let s = self.cols.len();
        let last = self.prev[s];
        self.next[last] = i;
        self.prev[i] = last;
        self.next[i] = s;
        self.prev[s] = i;
        self.linked[i] = true;
    }

    fn evict(&mut self, i: usize) {
        self.unlink(i);
        self.free += self.cols[i].len();
        self.cols[i] = Vec::new();
    }

    /// The budget in stored values.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether column `i` holds at least `len` values.
    pub(crate) fn has(&self, i: usize, len: usize) -> bool {
        self.cols[i].len() >= len
    }

    /// Makes column `i` hold at least `len` values, evicting the least
    /// recently used columns as needed, and marks it most recently used.
    /// Returns the first row whose value must be (re)computed (`>= len` when
    /// nothing is missing).
    pub(crate) fn reserve(&mut self, i: usize, len: usize) -> usize {
        self.unlink(i);
        let have = self.cols[i].len();
        let start = if len > have { have } else { len };
        if len > have {
            let more = len - have;
            let sentinel = self.cols.len();
            while self.free < more && self.next[sentinel] != sentinel {
                let old = self.next[sentinel];
                self.evict(old);
            }
            let col = &mut self.cols[i];
            col.reserve_exact(more);
            col.resize(len, 0.0);
            self.free = self.free.saturating_sub(more);
        }
        self.push_back(i);
        start
    }

    /// The cached values of column `i`.
    pub(crate) fn col(&self, i: usize) -> &[f32] {
        &self.cols[i]
    }

    /// The cached values of column `i`, to fill.
    pub(crate) fn col_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.cols[i]
    }

    /// Follows the solver swapping indices `i` and `j`: the two columns
    /// trade places, and every cached column swaps its rows `i` and `j`
    /// (a column that holds one of the two rows but not the other is
    /// dropped).
    pub(crate) fn swap_index(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let (li, lj) = (self.linked[i], self.linked[j]);
        self.unlink(i);
        self.unlink(j);
        self.cols.swap(i, j);
        if lj {
            self.push_back(i);
        }
        if li {
            self.push_back(j);
        }
        let (lo, hi) = (i.min(j), i.max(j));
        let sentinel = self.cols.len();
        let mut h = self.next[sentinel];
        while h != sentinel {
            let after = self.next[h];
            let len = self.cols[h].len();
            if len > lo {
                if len > hi {
                    self.cols[h].swap(lo, hi);
                } else {
                    self.evict(h);
                }
            }
            h = after;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_within_budget() {
        // 4 columns of 4 rows, room for 2 full columns (the minimum 2 l = 8)
        let mut c = Cache::new(4, 0);
        assert_eq!(c.reserve(0, 4), 0);
        assert_eq!(c.reserve(1, 4), 0);
        assert_eq!(c.reserve(0, 4), 4); // hit, now most recent
        assert_eq!(c.reserve(2, 4), 0); // evicts 1
        assert!(c.has(0, 4) && c.has(2, 4) && !c.has(1, 1));
        // extending a prefix only computes the new rows
        let mut c = Cache::new(4, 1 << 20);
        assert_eq!(c.reserve(3, 2), 0);
        assert_eq!(c.reserve(3, 4), 2);
        assert_eq!(c.reserve(3, 1), 1);
    }

    #[test]
    fn swap_moves_columns_and_rows() {
        let mut c = Cache::new(3, 1 << 20);
        c.reserve(0, 3);
        c.col_mut(0).copy_from_slice(&[1.0, 2.0, 3.0]);
        c.reserve(1, 2);
        c.col_mut(1).copy_from_slice(&[4.0, 5.0]);
        c.swap_index(0, 2);
        assert_eq!(c.col(2), &[3.0, 2.0, 1.0]);
        assert!(!c.has(0, 1));
        assert!(!c.has(1, 1)); // held row 0 but not row 2: dropped
    }
}
