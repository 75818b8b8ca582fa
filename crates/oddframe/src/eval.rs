//! Evaluation protocols: leave-one-group-out folds (a source, a content, a
//! camera held out at a time) and per-group aggregation of scores (a
//! session's windows into one session score).

use std::collections::BTreeMap;

use crate::threshold::quantile;
use crate::{Error, Result};

/// One fold of [`leave_one_group_out`]: the rows of one group to test, the
/// rows of every other group to train on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFold {
    /// The group held out.
    pub group: String,
    /// Rows of the other groups, in order.
    pub train: Vec<usize>,
    /// Rows of this group, in order.
    pub test: Vec<usize>,
}

/// Folds that hold out one group at a time, groups in sorted order.
///
/// ```
/// let folds = oddframe::eval::leave_one_group_out(&["b", "a", "b", "c"])?;
/// assert_eq!(folds.len(), 3);
/// assert_eq!((folds[1].group.as_str(), &folds[1].test[..], &folds[1].train[..]), ("b", &[0, 2][..], &[1, 3][..]));
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidLabels`] with fewer than two groups.
pub fn leave_one_group_out<S: AsRef<str>>(groups: &[S]) -> Result<Vec<GroupFold>> {
    let mut rows: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        rows.entry(g.as_ref()).or_default().push(i);
    }
    if rows.len() < 2 {
        return Err(Error::InvalidLabels(format!(
            "leave-one-group-out needs at least two groups, found {}",
            rows.len()
        )));
    }
    Ok(rows
        .into_iter()
        .map(|(group, test)| GroupFold {
            group: group.to_string(),
            train: (0..groups.len())
                .filter(|&i| groups[i].as_ref() != group)
                .collect(),
            test,
        })
        .collect())
}

/// The `q`-quantile of each group's values (numpy's linear interpolation),
/// by group name in sorted order: one score per session from its windows'
/// scores, for example.
///
/// ```
/// let by = oddframe::eval::group_quantile(&["s1", "s2", "s1"], &[1.0, 5.0, 3.0], 0.5)?;
/// assert_eq!(by["s1"], 2.0);
/// assert_eq!(by["s2"], 5.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] when the lengths differ; as
/// [`crate::threshold::quantile`] for a `q` outside \[0, 1\] or non-finite values.
pub fn group_quantile<S: AsRef<str>>(
    groups: &[S],
    values: &[f64],
    q: f64,
) -> Result<BTreeMap<String, f64>> {
    if groups.len() != values.len() {
        return Err(Error::DimensionMismatch {
            what: "values per group label",
            expected: groups.len(),
            found: values.len(),
        });
    }
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (g, &v) in groups.iter().zip(values) {
        by.entry(g.as_ref()).or_default().push(v);
    }
    by.into_iter()
        .map(|(g, v)| Ok((g.to_string(), quantile(&v, q)?)))
        .collect()
}

/// The mean of each group's values, by group name in sorted order.
///
/// ```
/// let by = oddframe::eval::group_mean(&["s1", "s2", "s1"], &[1.0, 5.0, 3.0])?;
/// assert_eq!((by["s1"], by["s2"]), (2.0, 5.0));
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] when the lengths differ,
/// [`Error::NonFinite`] for a NaN or infinite value.
pub fn group_mean<S: AsRef<str>>(groups: &[S], values: &[f64]) -> Result<BTreeMap<String, f64>> {
    if groups.len() != values.len() {
        return Err(Error::DimensionMismatch {
            what: "values per group label",
            expected: groups.len(),
            found: values.len(),
        });
    }
    crate::validate::check_scores(values, "values").or_else(|e| {
        if values.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    let mut by: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (g, &v) in groups.iter().zip(values) {
        let e = by.entry(g.as_ref()).or_default();
        e.0 += v;
        e.1 += 1;
    }
    Ok(by
        .into_iter()
        .map(|(g, (sum, n))| (g.to_string(), sum / n as f64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_cover_every_row_once_as_test() {
        let groups = ["x", "y", "x", "z", "y", "x"];
        let folds = leave_one_group_out(&groups).unwrap();
        let mut seen = [0; 6];
        for f in &folds {
            for &i in &f.test {
                seen[i] += 1;
                assert_eq!(groups[i], f.group);
            }
            assert_eq!(f.train.len() + f.test.len(), groups.len());
            assert!(f.train.iter().all(|&i| groups[i] != f.group));
        }
        assert_eq!(seen, [1; 6]);
        assert!(leave_one_group_out(&["a", "a"]).is_err());
        assert!(leave_one_group_out::<&str>(&[]).is_err());
    }

    #[test]
    fn group_quantile_checks_lengths_and_values() {
        assert!(group_quantile(&["a"], &[1.0, 2.0], 0.5).is_err());
        assert!(group_quantile(&["a"], &[f64::NAN], 0.5).is_err());
        assert!(group_quantile(&["a"], &[1.0], 1.5).is_err());
        let by = group_quantile(&["a", "a", "a", "a"], &[1.0, 2.0, 4.0, 8.0], 0.95).unwrap();
        // numpy.quantile([1, 2, 4, 8], 0.95) = 7.4
        assert!((by["a"] - 7.4).abs() < 1e-12);
    }
}
