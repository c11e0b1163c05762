//! Raw per-draw paths (`--samples-out`): chosen outputs of the first draws, streamed year
//! by year as the run simulates them, so the file never has to be held in memory.
//!
//! Long format, one row per (year, draw): `scenario,year,draw,broken,<variables...>`,
//! years in order, draws 0..M-1 within a year. `broken` is 1 when the draw has broken
//! down numerically by that year (its values may then be `inf` or `NaN`).

use std::io::Write;

use super::engine::YearDraws;
use crate::model::{OUTPUT_NAMES, output_index};
use crate::output::format_number;

/// Which samples to write.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    /// Indices of the outputs to write, in [`OUTPUT_NAMES`] order of the request.
    pub variables: Vec<usize>,
    /// Write draws 0..draws (at most the run's draws).
    pub draws: u64,
}

impl SampleSpec {
    /// Parses a comma-separated list of canonical output names (`all` for every one).
    pub fn parse_variables(list: &str) -> Result<Vec<usize>, String> {
        if list.trim() == "all" {
            return Ok((0..OUTPUT_NAMES.len()).collect());
        }
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match output_index(name) {
                Some(i) if !out.contains(&i) => out.push(i),
                Some(_) => return Err(format!("`{name}` is listed twice")),
                None => {
                    let hint = crate::error::suggest(name, OUTPUT_NAMES)
                        .map_or(String::new(), |c| format!(": did you mean `{c}`?"));
                    return Err(format!(
                        "`{name}` is not a canonical output{hint} (valid: all, {})",
                        OUTPUT_NAMES.join(", ")
                    ));
                }
            }
        }
        if out.is_empty() {
            return Err("give at least one output name, e.g. debt_gdp,real_growth".into());
        }
        Ok(out)
    }

    /// The CSV header.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["scenario", "year", "draw", "broken"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        h.extend(self.variables.iter().map(|&i| OUTPUT_NAMES[i].to_string()));
        h
    }

    /// Writes the rows of one year.
    pub fn write_year<W: Write>(
        &self,
        csv: &mut csv::Writer<W>,
        scenario: &str,
        yd: &YearDraws,
    ) -> std::io::Result<()> {
        let m = (self.draws as usize).min(yd.broken.len());
        let year = yd.year.to_string();
        for j in 0..m {
            csv.write_field(scenario)?;
            csv.write_field(&year)?;
            csv.write_field(j.to_string())?;
            csv.write_field(if yd.is_sound(j) { "0" } else { "1" })?;
            for &v in &self.variables {
                csv.write_field(format_number(yd.columns[v][j]))?;
            }
            csv.write_record(None::<&[u8]>)?;
        }
        Ok(())
    }
}
