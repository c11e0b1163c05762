//! Time paths: a constant, a list with one value per projection year, or a year-keyed
//! table interpolated linearly (or held as steps with `interp = "step"`) and held flat
//! outside its keys.

use super::reader::Reader;
use crate::error::{Diagnostic, Loc};
use crate::scenario::tree::{Node, Table, Value};

/// How a year-keyed table fills the years between its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interp {
    /// Linear between keys (the default).
    Linear,
    /// Each value holds until the next key.
    Step,
}

/// Value of `points` (sorted by year, non-empty) at `year`.
pub(crate) fn interpolate(points: &[(i32, f64)], interp: Interp, year: i32) -> f64 {
    let i = points.partition_point(|&(y, _)| y <= year);
    if i == 0 {
        return points[0].1;
    }
    let (y0, v0) = points[i - 1];
    if i == points.len() || y0 == year || interp == Interp::Step {
        return v0;
    }
    let (y1, v1) = points[i];
    v0 + (v1 - v0) * f64::from(year - y0) / f64::from(y1 - y0)
}

/// A number from a node, accepting integers.
pub(crate) fn number(node: &Node) -> Option<f64> {
    match node.value {
        Value::Float(x) => Some(x),
        Value::Int(i) => Some(i as f64),
        _ => None,
    }
}

/// A path given as a list (`items`, in `node`): one number per projection year.
fn expand_list(
    node: &Node,
    items: &[Node],
    key: &str,
    base_year: i32,
    years: &[i32],
    r: &mut Reader,
) -> Option<Vec<f64>> {
    let bad = |loc: &Loc, msg: String| Diagnostic::new(Some(loc), key, msg);
    if items.len() != years.len() {
        r.diags.push(bad(
            &node.loc,
            format!(
                "a list needs one value per projection year: {} values for {}..={}, found \
                 {} (or write a year-keyed table such as {{ {} = 0.1 }})",
                years.len(),
                years.first().copied().unwrap_or(base_year),
                years.last().copied().unwrap_or(base_year),
                items.len(),
                base_year + 1
            ),
        ));
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (item, year) in items.iter().zip(years) {
        match number(item) {
            Some(x) => out.push(x),
            None => {
                ok = false;
                r.diags.push(bad(
                    &item.loc,
                    format!(
                        "expected a number for {year}, found {}",
                        item.value.a_type_name()
                    ),
                ));
            }
        }
    }
    ok.then_some(out)
}

/// A path given as a year-keyed table (in `node`), interpolated linearly or in steps.
fn expand_table(
    node: &Node,
    table: &Table,
    key: &str,
    base_year: i32,
    years: &[i32],
    r: &mut Reader,
) -> Option<Vec<f64>> {
    let bad = |loc: &Loc, msg: String| Diagnostic::new(Some(loc), key, msg);
    let mut interp = Interp::Linear;
    let mut points = Vec::new();
    let mut ok = true;
    for e in &table.entries {
        if e.key == "interp" {
            match &e.node.value {
                Value::Str(s) if s == "linear" => interp = Interp::Linear,
                Value::Str(s) if s == "step" => interp = Interp::Step,
                _ => {
                    ok = false;
                    r.diags.push(bad(
                        &e.node.loc,
                        "`interp` must be \"linear\" or \"step\"".to_string(),
                    ));
                }
            }
            continue;
        }
        let year = match e.key.parse::<i32>() {
            Ok(y) => y,
            Err(_) => {
                ok = false;
                r.diags.push(bad(
                    &e.key_loc,
                    format!(
                        "`{}` is not a year: a path table has year keys (e.g. {{ {} = 0.1 \
                         }}) and optionally interp = \"step\"",
                        e.key,
                        base_year + 1
                    ),
                ));
                continue;
            }
        };
        if year < base_year {
            ok = false;
            r.diags.push(bad(
                &e.key_loc,
                format!(
                    "year {year} is before the base year {base_year}: path years must be \
                     {base_year} or later"
                ),
            ));
            continue;
        }
        match number(&e.node) {
            Some(x) => points.push((year, x)),
            None => {
                ok = false;
                r.diags.push(bad(
                    &e.node.loc,
                    format!(
                        "expected a number for {year}, found {}",
                        e.node.value.a_type_name()
                    ),
                ));
            }
        }
    }
    if !ok {
        return None;
    }
    if points.is_empty() {
        r.diags.push(bad(
            &node.loc,
            format!(
                "a path table needs at least one year key, e.g. {{ {} = 0.1 }}",
                base_year + 1
            ),
        ));
        return None;
    }
    points.sort_by_key(|p| p.0);
    if let Some(w) = points.windows(2).find(|w| w[0].0 == w[1].0) {
        r.diags
            .push(bad(&node.loc, format!("year {} is given twice", w[0].0)));
        return None;
    }
    Some(
        years
            .iter()
            .map(|&y| interpolate(&points, interp, y))
            .collect(),
    )
}

/// Expands a path node to one value per year of `years`. `key` names it in messages.
pub(super) fn expand(
    node: &Node,
    key: &str,
    base_year: i32,
    years: &[i32],
    r: &mut Reader,
) -> Option<Vec<f64>> {
    let bad = |loc: &Loc, msg: String| Diagnostic::new(Some(loc), key, msg);
    match &node.value {
        Value::Float(_) | Value::Int(_) => number(node).map(|x| vec![x; years.len()]),
        Value::Array(items) => expand_list(node, items, key, base_year, years, r),
        Value::Table(table) => expand_table(node, table, key, base_year, years, r),
        other => {
            r.diags.push(bad(
                &node.loc,
                format!(
                    "expected a time path (a number, a list with one number per year, or a \
                     year-keyed table), found {}",
                    other.a_type_name()
                ),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_interpolation_anchored_at_base_year_and_flat_outside() {
        let pts = [(2025, 0.109), (2028, 0.161)];
        let v: Vec<f64> = (2026..=2030)
            .map(|y| interpolate(&pts, Interp::Linear, y))
            .collect();
        assert!((v[0] - (0.109 + 0.052 / 3.0)).abs() < 1e-15);
        assert!((v[1] - (0.109 + 2.0 * 0.052 / 3.0)).abs() < 1e-15);
        assert_eq!(&v[2..], &[0.161, 0.161, 0.161]);
    }

    #[test]
    fn step_holds_each_value_until_the_next_key() {
        let pts = [(2027, 0.2), (2030, 0.3)];
        let v: Vec<f64> = (2026..=2031)
            .map(|y| interpolate(&pts, Interp::Step, y))
            .collect();
        assert_eq!(v, [0.2, 0.2, 0.2, 0.2, 0.3, 0.3]);
    }
}
