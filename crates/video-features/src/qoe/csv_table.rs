//! Loading windowed QoE tables from CSV with errors that say where.

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

/// Errors of [`CsvTable`]: every one names the line and column concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV structure is broken (ragged rows, bad UTF-8, no header).
    #[error("malformed CSV at line {line}: {message}")]
    Malformed {
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// A requested column is not in the header.
    #[error("missing column `{name}` (the header has: {available})")]
    MissingColumn {
        /// The column asked for.
        name: String,
        /// The columns that exist, comma-separated.
        available: String,
    },
    /// A cell that must be a finite number is not.
    #[error("line {line}, column `{column}`: {value:?} is not a finite number")]
    BadValue {
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// The cell as written.
        value: String,
    },
    /// The table has a header but no rows.
    #[error("the table has no data rows")]
    Empty,
}

/// A CSV table with a header row, kept as text and converted per column on
/// request.
///
/// ```
/// use video_features::qoe::CsvTable;
///
/// let t = CsvTable::from_reader("a,b,name\n1,2,x\n3,4.5,y\n".as_bytes())?;
/// let x = t.matrix(&["b", "a"])?;
/// assert_eq!(x[[1, 0]], 4.5);
/// assert_eq!(t.text("name")?, vec!["x", "y"]);
///
/// let bad = CsvTable::from_reader("a\n1\noops\n".as_bytes())?;
/// assert_eq!(
///     bad.numeric("a").unwrap_err().to_string(),
///     "line 3, column `a`: \"oops\" is not a finite number"
/// );
/// # Ok::<(), video_features::qoe::CsvError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CsvTable {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Reads a whole table from a file.
    ///
    /// # Errors
    /// As [`CsvTable::from_reader`], or [`CsvError::Io`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, CsvError> {
        let p = path.as_ref();
        let f = std::fs::File::open(p).map_err(|source| CsvError::Io {
            path: p.display().to_string(),
            source,
        })?;
        Self::from_reader(std::io::BufReader::new(f))
    }

    /// Reads a whole table.
    ///
    /// # Errors
    /// [`CsvError::Malformed`] for ragged rows or invalid UTF-8,
    /// [`CsvError::Empty`] when there is no data row.
    pub fn from_reader<R: Read>(reader: R) -> Result<Self, CsvError> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let malformed = |e: csv::Error| CsvError::Malformed {
            line: e.position().map_or(1, |p| p.line()),
            message: e.to_string(),
        };
        let header: Vec<String> = r
            .headers()
            .map_err(malformed)?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(CsvError::Malformed {
                line: 1,
                message: "no header row".into(),
            });
        }
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(malformed)?;
        if rows.is_empty() {
            return Err(CsvError::Empty);
        }
        Ok(Self { header, rows })
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no data rows (never true for a loaded table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn index(&self, name: &str) -> Result<usize, CsvError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CsvError::MissingColumn {
                name: name.into(),
                available: self.header.join(", "),
            })
    }

    fn line(&self, row: usize) -> u64 {
        self.rows[row]
            .position()
            .map_or(row as u64 + 2, |p| p.line())
    }

    /// One column as finite numbers.
    ///
    /// # Errors
    /// [`CsvError::MissingColumn`], or [`CsvError::BadValue`] naming the
    /// first cell that is empty, not a number, NaN or infinite.
    pub fn numeric(&self, name: &str) -> Result<Vec<f64>, CsvError> {
        let j = self.index(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let cell = r.get(j).unwrap_or("");
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(CsvError::BadValue {
                        line: self.line(i),
                        column: name.into(),
                        value: cell.into(),
                    }),
                }
            })
            .collect()
    }

    /// One column as text.
    ///
    /// # Errors
    /// [`CsvError::MissingColumn`].
    pub fn text(&self, name: &str) -> Result<Vec<&str>, CsvError> {
        let j = self.index(name)?;
        Ok(self.rows.iter().map(|r| r.get(j).unwrap_or("")).collect())
    }

    /// Several numeric columns as a `rows x names.len()` matrix.
    ///
    /// # Errors
    /// As [`CsvTable::numeric`] for each column.
    pub fn matrix(&self, names: &[&str]) -> Result<Array2<f64>, CsvError> {
        let mut x = Array2::zeros((self.rows.len(), names.len()));
        for (j, name) in names.iter().enumerate() {
            for (dst, v) in x.column_mut(j).iter_mut().zip(self.numeric(name)?) {
                *dst = v;
            }
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_line_and_column() {
        let t = CsvTable::from_reader("a,b\n1,2\n3,nan\n".as_bytes()).unwrap();
        let e = t.matrix(&["a", "b"]).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`b`"), "{e}");
        let e = t.matrix(&["a", "c"]).unwrap_err().to_string();
        assert!(
            e.contains("missing column `c`") && e.contains("a, b"),
            "{e}"
        );
        let e = CsvTable::from_reader("a,b\n1,2\n3\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(matches!(
            CsvTable::from_reader("a,b\n".as_bytes()),
            Err(CsvError::Empty)
        ));
        let t = CsvTable::from_reader("a\n\"\"\n".as_bytes()).unwrap();
        assert!(t.numeric("a").is_err());
        assert!(CsvTable::from_path("/nonexistent/qoe.csv").is_err());
    }
}
