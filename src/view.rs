//! A view of a CSV table for people: some variables only (`--vars`) and numbers rounded
//! to significant digits (`--precision N`). The full, exact CSV stays the default.

use crate::error::{Error, Result};
use crate::output::format_number;

/// Columns that identify a row and are always kept and never rounded.
const KEYS: &[&str] = &["scenario", "year", "test", "variable", "stat"];

/// Columns holding counts, never rounded.
const COUNTS: &[&str] = &["broken_draws", "draws", "peak_year", "worst_balance_year"];

/// Which variables to keep and how many significant digits to print.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct View {
    /// Variables to keep (columns of a per-year table, rows of a Monte Carlo summary);
    /// empty keeps all.
    pub vars: Vec<String>,
    /// Significant digits of every number (1 to 17); `None` keeps them exact.
    pub precision: Option<usize>,
}

impl View {
    /// Whether the view leaves a table as it is.
    pub(crate) fn is_identity(&self) -> bool {
        self.vars.is_empty() && self.precision.is_none()
    }

    /// Applies the view to CSV text; an unknown variable is an error naming the valid
    /// ones (`flag` names the option in messages).
    pub(crate) fn apply(&self, text: &str) -> Result<String> {
        if let Some(p) = self.precision
            && !(1..=17).contains(&p)
        {
            return Err(Error::usage(
                "--precision",
                format!("{p} significant digits: give 1 to 17 (e.g. 4)"),
            ));
        }
        let bad = |e: csv::Error| Error::Internal(format!("re-reading a table: {e}"));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().map_err(bad)?.iter().map(String::from).collect();
        let long = header.iter().position(|h| h == "variable");
        let keep: Vec<usize> = match long {
            Some(_) => (0..header.len()).collect(),
            None => self.columns(&header)?,
        };
        let mut rows = Vec::new();
        let mut seen = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(bad)?;
            if let Some(v) = long {
                let var = rec.get(v).unwrap_or("").to_string();
                if !seen.contains(&var) {
                    seen.push(var.clone());
                }
                if !self.vars.is_empty() && !self.vars.contains(&var) {
                    continue;
                }
            }
            let row: Vec<String> = keep
                .iter()
                .map(|&c| self.cell(&header[c], rec.get(c).unwrap_or("")))
                .collect();
            rows.push(row);
        }
        if long.is_some() {
            self.check_known(&seen)?;
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let head: Vec<&str> = keep.iter().map(|&c| header[c].as_str()).collect();
        w.write_record(&head).map_err(bad)?;
        for row in rows {
            w.write_record(&row).map_err(bad)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
    }

    /// The columns kept of a per-year table: the keys, then the variables asked for in
    /// their order.
    fn columns(&self, header: &[String]) -> Result<Vec<usize>> {
        if self.vars.is_empty() {
            return Ok((0..header.len()).collect());
        }
        let known: Vec<String> = header
            .iter()
            .filter(|h| !KEYS.contains(&h.as_str()))
            .cloned()
            .collect();
        self.check_known(&known)?;
        let mut out: Vec<usize> = (0..header.len())
            .filter(|&c| KEYS.contains(&header[c].as_str()))
            .collect();
        out.extend(
            self.vars
                .iter()
                .filter_map(|v| header.iter().position(|h| h == v)),
        );
        Ok(out)
    }

    fn check_known(&self, known: &[String]) -> Result<()> {
        match self.vars.iter().find(|v| !known.contains(v)) {
            None => Ok(()),
            Some(v) => {
                let hint = crate::error::suggest(v, known.iter().map(String::as_str))
                    .map(|s| format!(": did you mean `{s}`?"))
                    .unwrap_or_default();
                Err(Error::usage(
                    "--vars",
                    format!(
                        "`{v}` is not a variable of this output{hint} (valid: {})",
                        known.join(", ")
                    ),
                ))
            }
        }
    }

    fn cell(&self, column: &str, cell: &str) -> String {
        let Some(p) = self.precision else {
            return cell.to_string();
        };
        if KEYS.contains(&column) || COUNTS.contains(&column) {
            return cell.to_string();
        }
        match cell.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x != 0.0 => {
                let rounded: f64 = format!("{:.*e}", p - 1, x).parse().unwrap_or(x);
                format_number(rounded)
            }
            _ => cell.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: &str =
        "scenario,year,debt_gdp,gdp_nominal\nx,2026,0.41688921434285575,184.0430565517192\n";
    const LONG: &str = "scenario,year,variable,mean,broken_draws\nx,2026,debt_gdp,0.4168892,0\nx,2026,real_growth,0.0531234,0\n";

    #[test]
    fn rounds_to_significant_digits() {
        let v = View {
            vars: vec![],
            precision: Some(4),
        };
        assert_eq!(
            v.apply(WIDE).unwrap(),
            "scenario,year,debt_gdp,gdp_nominal\nx,2026,0.4169,184\n"
        );
    }

    #[test]
    fn keeps_the_variables_asked_for() {
        let v = View {
            vars: vec!["gdp_nominal".into()],
            precision: None,
        };
        assert_eq!(
            v.apply(WIDE).unwrap(),
            "scenario,year,gdp_nominal\nx,2026,184.0430565517192\n"
        );
        let v = View {
            vars: vec!["real_growth".into()],
            precision: Some(2),
        };
        assert_eq!(
            v.apply(LONG).unwrap(),
            "scenario,year,variable,mean,broken_draws\nx,2026,real_growth,0.053,0\n"
        );
        let bad = View {
            vars: vec!["debt_gpd".into()],
            precision: None,
        };
        let msg = bad.apply(WIDE).unwrap_err().to_string();
        assert!(msg.contains("did you mean `debt_gdp`?"), "{msg}");
        assert!(bad.apply(LONG).is_err());
    }
}
