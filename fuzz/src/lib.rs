//! Helpers shared by the fuzz targets.

/// The `i`-th little-endian f64 of `data` (missing bytes read as 0), so any
/// byte string is a matrix of arbitrary floats, NaN and infinities included.
pub fn f64_at(data: &[u8], i: usize) -> f64 {
    let mut b = [0u8; 8];
    for (k, v) in b.iter_mut().enumerate() {
        *v = data.get(i * 8 + k).copied().unwrap_or(0);
    }
    f64::from_le_bytes(b)
}
