//! Reading annual history: a CSV file with a `year` column and one column per series.
//!
//! An empty cell (or `NA`, `NaN`, `.`) is a missing value; years must be consecutive and
//! increasing. Values are kept in the units of the file (percent columns stay in percent
//! until a `pct` transform divides them by 100).

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Loc, Result};

/// Annual data: consecutive years and named columns, one optional value per year.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The file as given, for messages.
    pub source: Arc<str>,
    /// The years, consecutive and increasing.
    pub years: Vec<i32>,
    /// The columns in file order: name and one value per year (`None` = missing).
    pub columns: Vec<(String, Vec<Option<f64>>)>,
}

impl History {
    /// Reads a CSV file.
    pub fn read(path: &Path) -> Result<History> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        History::parse(&text, &path.display().to_string())
    }

    /// Parses CSV text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<History> {
        // Spreadsheets often save CSV with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let source: Arc<str> = Arc::from(source);
        let at = |line: u64, col: usize| Loc {
            source: source.clone(),
            line: line as u32,
            col: col as u32,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| Error::Data {
                loc: at(1, 1),
                message: format!("cannot read the header: {e}"),
            })?
            .iter()
            .map(String::from)
            .collect();
        let year_col = year_column(&header, &source)?;
        let mut years = Vec::new();
        let mut columns: Vec<(String, Vec<Option<f64>>)> = header
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != year_col)
            .map(|(_, h)| (h.clone(), Vec::new()))
            .collect();
        for record in reader.records() {
            let record = record.map_err(|e| Error::Data {
                loc: at(e.position().map_or(0, |p| p.line()), 1),
                message: format!("malformed CSV: {e}"),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != header.len() {
                return Err(Error::Data {
                    loc: at(line, 1),
                    message: format!(
                        "{} fields, but the header has {}",
                        record.len(),
                        header.len()
                    ),
                });
            }
            let y = &record[year_col];
            let year: i32 = y.parse().map_err(|_| Error::Data {
                loc: at(line, year_col + 1),
                message: format!("`year` must be a whole number such as 2024, found `{y}`"),
            })?;
            if let Some(&prev) = years.last()
                && year != prev + 1
            {
                return Err(Error::Data {
                    loc: at(line, year_col + 1),
                    message: format!(
                        "years must be consecutive and increasing: {year} follows {prev} (expected \
                         {}); leave cells empty for missing values",
                        prev + 1
                    ),
                });
            }
            years.push(year);
            let mut k = 0;
            for (i, cell) in record.iter().enumerate() {
                if i == year_col {
                    continue;
                }
                let v = parse_cell(cell).ok_or_else(|| Error::Data {
                    loc: at(line, i + 1),
                    message: format!(
                        "column `{}`: expected a number or an empty cell, found `{cell}`",
                        header[i]
                    ),
                })?;
                columns[k].1.push(v);
                k += 1;
            }
        }
        if years.is_empty() {
            return Err(Error::Data {
                loc: at(1, 1),
                message: "no data rows".into(),
            });
        }
        Ok(History {
            source,
            years,
            columns,
        })
    }

    /// The values of column `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&[Option<f64>]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The column names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// A cell: `Some(Some(x))` a finite number, `Some(None)` missing, `None` not a number.
fn parse_cell(cell: &str) -> Option<Option<f64>> {
    if cell.is_empty() || matches!(cell, "NA" | "NaN" | "nan" | "." | "..") {
        return Some(None);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Some(Some(x)),
        _ => None,
    }
}

/// The index of the `year` column; every column must have a name, given once.
fn year_column(header: &[String], source: &Arc<str>) -> Result<usize> {
    let at = |line: u64, col: usize| Loc {
        source: source.clone(),
        line: line as u32,
        col: col as u32,
    };
    let Some(year_col) = header.iter().position(|h| h.eq_ignore_ascii_case("year")) else {
        return Err(Error::Data {
            loc: at(1, 1),
            message: format!(
                "no `year` column: the first line must name the columns, one of them `year` \
                 (found: {})",
                header.join(", ")
            ),
        });
    };
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            return Err(Error::Data {
                loc: at(1, i + 1),
                message: format!("column {} has no name", i + 1),
            });
        }
        if header[..i].contains(h) {
            return Err(Error::Data {
                loc: at(1, i + 1),
                message: format!("column `{h}` appears twice"),
            });
        }
    }
    Ok(year_col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_missing_cells_and_rejects_gaps_and_text() {
        let h = History::parse("year,a,b\n2000,1.5,\n2001,NA,2\n", "t.csv").unwrap();
        assert_eq!(h.years, vec![2000, 2001]);
        assert_eq!(h.column("a").unwrap(), &[Some(1.5), None]);
        assert_eq!(h.column("b").unwrap(), &[None, Some(2.0)]);
        let e = History::parse("year,a\n2000,1\n2002,2\n", "t.csv").unwrap_err();
        assert!(e.to_string().contains("t.csv:3:1"), "{e}");
        assert!(e.to_string().contains("consecutive"), "{e}");
        let e = History::parse("year,a\n2000,1\n2001,x\n", "t.csv").unwrap_err();
        assert!(e.to_string().starts_with("t.csv:3:2"), "{e}");
        let bom = History::parse("\u{feff}year,a\n2000,1\n", "t.csv").unwrap();
        assert_eq!(bom.years, vec![2000]);
        let e = History::parse("yr,a\n2000,1\n", "t.csv").unwrap_err();
        assert!(e.to_string().contains("no `year` column"), "{e}");
    }
}
