//! The second spelling of a year in an address: `policy.growth_spending_share.2028`
//! sets the key 2028 of a year-keyed table (an interpolation target: the years around
//! it move with it), while `policy.growth_spending_share@2028` changes the one year 2028
//! of the expanded path and nothing else.
//!
//! A policy path that is not written in `[policy]` but inherited from `[baseline]`
//! (revenue and spending default to the baseline) is copied from the baseline first, so
//! that `--set policy.growth_spending_share.2030=0.25` moves the policy's target alone.

use std::sync::Arc;

use super::Override;
use super::tree::{Entry, Node, Table, Value};
use crate::error::{Diagnostic, Loc};

/// Policy keys that default to the baseline path of the same name.
const INHERITED: &[&str] = &[
    "revenue_gdp",
    "growth_spending_gdp",
    "primary_spending_gdp",
    "growth_spending_share",
];

/// Whether `o` addresses the key of a year-keyed table: `section.key.YEAR` with the
/// section `baseline` or `policy`.
pub(crate) fn is_year_key(o: &Override) -> bool {
    let k = &o.address.keys;
    o.address.year.is_none()
        && k.len() == 3
        && matches!(k[0].as_str(), "baseline" | "policy")
        && k[2].parse::<i32>().is_ok()
}

/// Sets `section.key.YEAR = node` in `root`, inserting the year into the path's table.
/// The path must be a year-keyed table (in the section, or for policy revenue and
/// spending in `[baseline]`); anything else is reported.
pub(crate) fn apply(root: &mut Table, o: &Override, node: Node) -> Result<(), Diagnostic> {
    let (section, key, year) = (&o.address.keys[0], &o.address.keys[1], &o.address.keys[2]);
    let loc = Loc::whole(Arc::<str>::from(format!("--set '{}'", o.arg)));
    let full = o.address.keys.join(".");
    let err = |msg: String| Diagnostic::new(Some(&loc), full.clone(), msg);
    let inherited = (section == "policy" && INHERITED.contains(&key.as_str()))
        .then(|| {
            section_table(root, "baseline")
                .and_then(|t| t.get(key))
                .cloned()
        })
        .flatten();
    let Some(Value::Table(sec)) = root
        .entries
        .iter_mut()
        .find(|e| &e.key == section)
        .map(|e| &mut e.node.value)
    else {
        return Err(err(format!(
            "[{section}] has no `{key}` to set the year {year} of"
        )));
    };
    if sec.get(key).is_none()
        && let Some(base) = inherited
    {
        sec.insert(Entry {
            key: key.clone(),
            key_loc: base.loc.clone(),
            node: base,
        });
    }
    let Some(slot) = sec.entries.iter_mut().find(|e| &e.key == key) else {
        return Err(err(format!(
            "`{section}.{key}` is not set in this scenario: there is no year-keyed table to \
             add {year} to"
        )));
    };
    let Value::Table(path) = &mut slot.node.value else {
        return Err(err(format!(
            "`{section}.{key}` is {}, not a year-keyed table: `.{year}` sets a key of such a table \
             (an interpolation target); write `{section}.{key}@{year}` for that one year alone, or \
             set the whole path, e.g. '{section}.{key}={{ {year} = ... }}'",
            slot.node.value.a_type_name()
        )));
    };
    path.insert(Entry {
        key: year.clone(),
        key_loc: loc.clone(),
        node,
    });
    Ok(())
}

fn section_table<'a>(root: &'a Table, name: &str) -> Option<&'a Table> {
    match &root.get(name)?.value {
        Value::Table(t) => Some(t),
        _ => None,
    }
}
