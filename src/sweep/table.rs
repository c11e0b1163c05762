//! The `[sweep]` table of a scenario file: a sweep declared beside the scenario, so it
//! is versioned with it.
//!
//! ```toml
//! [sweep]
//! metrics = ["debt_gdp@2040", "mean(real_growth@2026..2040)"]
//! design = "grid"          # or "lhs" (then `samples` points)
//! samples = 200            # points of a Latin hypercube; base sample of sensitivity
//! draws = 2000             # Monte Carlo draws per point (optional)
//! seed = 7                 # seed of draws and designs (optional)
//!
//! [sweep.vary]
//! "structure.spending_multiplier" = "0.2:0.8:0.1"
//! "policy.growth_spending_share@2028" = [0.1, 0.2, 0.3]
//! ```
//!
//! Command-line options replace the file's settings: any `--vary` replaces the whole
//! `[sweep.vary]` list, any `--metric` the whole `metrics` list.

use crate::error::{Error, Loc, Result};
use crate::scenario::SWEEP_KEYS;
use crate::scenario::path::number;
use crate::scenario::reader::Reader;
use crate::scenario::tree::{Entry, Node, Table, Value};

use super::spec::{Param, Spec};

/// The most draws per point (as for `[montecarlo] draws`).
pub(crate) const MAX_DRAWS: u64 = 1_000_000_000;

/// The sweep declared in a scenario file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepTable {
    /// The varied parameters, in the order written, with where each was written.
    pub vary: Vec<(Param, Loc)>,
    /// The metrics as written, with where each was written (parsed by the command).
    pub metrics: Vec<(String, Loc)>,
    /// `design = "grid" | "lhs"`.
    pub design: Option<String>,
    /// `samples`: points of a Latin hypercube, or the base sample size of sensitivity.
    pub samples: Option<usize>,
    /// `draws`: Monte Carlo draws per point.
    pub draws: Option<u64>,
    /// `seed`: seed of the draws and of random designs.
    pub seed: Option<u64>,
}

/// Removes the `[sweep]` table from a scenario tree and parses it; `Ok(None)` when the
/// file has none. Every mistake is reported with its file, line, column and key.
pub fn take_sweep_table(tree: &mut Table) -> Result<Option<SweepTable>> {
    let Some(entry) = tree.remove("sweep") else {
        return Ok(None);
    };
    let mut r = Reader::default();
    let mut out = SweepTable::default();
    let Value::Table(t) = &entry.node.value else {
        return Err(Error::scenario(
            Some(&entry.node.loc),
            "sweep",
            format!(
                "expected a table [sweep], found a {}",
                entry.node.value.type_name()
            ),
        ));
    };
    for e in &t.entries {
        read_key(&mut r, e, &mut out);
    }
    r.into_result().map(|()| Some(out))
}

/// One key of `[sweep]`, read into `out`.
fn read_key(r: &mut Reader, e: &Entry, out: &mut SweepTable) {
    let key = format!("sweep.{}", e.key);
    let node = &e.node;
    match e.key.as_str() {
        "vary" => match &node.value {
            Value::Table(v) => flatten_vary(r, v, "", &mut out.vary),
            other => r.err(
                Some(&node.loc),
                key,
                format!(
                    "expected a table of PATH = SPEC, e.g. [sweep.vary] \
                     \"structure.spending_multiplier\" = \"0.2:0.8:0.1\"; found a {}",
                    other.type_name()
                ),
            ),
        },
        "metrics" => read_metrics(r, node, key, &mut out.metrics),
        "design" => match &node.value {
            Value::Str(s) if s == "grid" || s == "lhs" => out.design = Some(s.clone()),
            _ => r.err(
                Some(&node.loc),
                key,
                "must be \"grid\" (every combination of the values) or \"lhs\" (a Latin \
                 hypercube of `samples` points)",
            ),
        },
        "samples" => {
            let most = super::design::MAX_POINTS;
            let msg = || format!("must be a whole number from 1 to {most}");
            out.samples = r
                .whole_in(node, &key, 1..=most as i64, msg)
                .map(|n| n as usize);
        }
        "draws" => {
            let msg = || format!("must be a whole number from 1 to {MAX_DRAWS}");
            out.draws = r
                .whole_in(node, &key, 1..=MAX_DRAWS as i64, msg)
                .map(|n| n as u64);
        }
        "seed" => {
            let msg = || "must be a whole number, 0 or more".to_string();
            out.seed = r.whole_in(node, &key, 0..=i64::MAX, msg).map(|n| n as u64);
        }
        other => r.unknown(&e.key_loc, &key, other, SWEEP_KEYS),
    }
}

/// `sweep.metrics`: a list of metrics (or one), each a string, with where it was written.
fn read_metrics(r: &mut Reader, node: &Node, key: String, metrics: &mut Vec<(String, Loc)>) {
    match &node.value {
        Value::Array(items) => {
            for item in items {
                match &item.value {
                    Value::Str(s) => metrics.push((s.clone(), item.loc.clone())),
                    other => r.err(
                        Some(&item.loc),
                        key.clone(),
                        format!(
                            "expected a metric as a string, e.g. \"debt_gdp@2040\", found a {}",
                            other.type_name()
                        ),
                    ),
                }
            }
        }
        Value::Str(s) => metrics.push((s.clone(), node.loc.clone())),
        other => r.err(
            Some(&node.loc),
            key,
            format!(
                "expected a list of metrics, e.g. [\"debt_gdp@2040\", \
                     \"p90(debt_gdp@2040)\"], found a {}",
                other.type_name()
            ),
        ),
    }
}

/// Collects `PATH = SPEC` entries; unquoted dotted keys (nested tables) are joined back.
fn flatten_vary(r: &mut Reader, t: &Table, prefix: &str, out: &mut Vec<(Param, Loc)>) {
    for e in &t.entries {
        let path = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        let key = format!("sweep.vary.\"{path}\"");
        let spec: std::result::Result<Spec, String> = match &e.node.value {
            Value::Table(inner) if !path.contains('@') => {
                flatten_vary(r, inner, &path, out);
                continue;
            }
            Value::Str(s) => s.parse(),
            Value::Int(_) | Value::Float(_) => {
                Ok(Spec::List(vec![number(&e.node).unwrap_or(f64::NAN)]))
            }
            Value::Array(items) => {
                let v: Vec<f64> = items
                    .iter()
                    .filter_map(number)
                    .filter(|x| x.is_finite())
                    .collect();
                if v.len() == items.len() && !v.is_empty() {
                    Ok(Spec::List(v))
                } else {
                    Err(
                        "a list of values must hold finite numbers only, e.g. [0.1, 0.2, 0.3]"
                            .into(),
                    )
                }
            }
            other => Err(format!("found a {}", other.type_name())),
        };
        let address = path.parse();
        match (address, spec) {
            (Ok(address), Ok(spec))
                if spec
                    .values()
                    .is_none_or(|v| v.iter().all(|x| x.is_finite())) =>
            {
                out.push((Param { address, spec }, e.key_loc.clone()))
            }
            (Err(m), _) => r.err(Some(&e.key_loc), key, m),
            (_, Err(m)) => r.err(
                Some(&e.node.loc),
                key,
                format!(
                    "{m} (write a string \"a:b:step\", \"a:b/N\", \"a:b\", or a list [a, b, c])"
                ),
            ),
            _ => r.err(Some(&e.node.loc), key, "values must be finite numbers"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::tree::parse_document;
    use std::sync::Arc;

    fn parse(text: &str) -> Result<Option<SweepTable>> {
        let mut t = parse_document(text, &Arc::from("s.toml")).unwrap();
        let r = take_sweep_table(&mut t);
        assert!(t.get("sweep").is_none());
        r
    }

    #[test]
    fn reads_every_form_of_vary() {
        let s = parse(
            "name = \"x\"\n[sweep]\nmetrics = [\"debt_gdp@2040\"]\ndesign = \"lhs\"\nsamples = \
             20\ndraws = 100\nseed = 3\n[sweep.vary]\n\"structure.spending_multiplier\" = \
             \"0.2:0.8:0.1\"\n\"policy.growth_spending_share@2028\" = [0.1, \
             0.2]\nstructure.efficiency = 0.6\n",
        )
        .unwrap()
        .unwrap();
        let vary: Vec<String> = s.vary.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            vary,
            [
                "structure.spending_multiplier=0.2:0.8:0.1",
                "policy.growth_spending_share@2028=0.1,0.2",
                "structure.efficiency=0.6"
            ]
        );
        assert_eq!(s.vary[1].1.line, 10);
        assert_eq!(s.metrics[0].0, "debt_gdp@2040");
        assert_eq!(
            (s.design.as_deref(), s.samples, s.draws, s.seed),
            (Some("lhs"), Some(20), Some(100), Some(3))
        );
        assert_eq!(parse("name = \"x\"\n").unwrap(), None);
    }

    #[test]
    fn mistakes_name_file_line_and_key() {
        let e = parse(
            "[sweep]\ndesing = \"grid\"\nsamples = 0\n[sweep.vary]\n\"structure.x\" = \
                       \"0.8:0.2:0.1\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("s.toml:2:1: `sweep.desing`: unknown key `desing`: did you mean `design`?"),
            "{e}"
        );
        assert!(e.contains("s.toml:3:11: `sweep.samples`"), "{e}");
        assert!(
            e.contains("s.toml:5:17: `sweep.vary.\"structure.x\"`"),
            "{e}"
        );
    }
}
