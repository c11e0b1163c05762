//! "Download scenario": a TOML file that `extends` the served file (by its name, to be
//! saved beside it) and states the lever values as the keys `--set` would change, so that
//! `fiscalsim run` of it gives the page's numbers.

use std::fmt::Write;

use super::session::Session;
use crate::error::{Error, Result};
use crate::scenario::tree::{self, Node, Table, Value};

/// The scenario file for lever `values` (one per lever).
pub(crate) fn scenario_toml(session: &Session, values: &[f64], draws: u64) -> Result<String> {
    let sc = session.scenario(values)?;
    let overrides = session.overrides(values);
    // The tree as `--set` leaves it: every key a lever touches, read back from there.
    let mut root = session.tree().clone();
    for o in &overrides {
        let node = tree::parse_value(&o.value, &std::sync::Arc::from("lever"))
            .map_err(|_| Error::Internal(format!("lever value `{}`", o.value)))?;
        let keys: Vec<&str> = o.address.keys.iter().map(String::as_str).collect();
        if crate::scenario::year_key::is_year_key(o) {
            crate::scenario::year_key::apply(&mut root, o, node)
                .map_err(|d| Error::Internal(d.to_string()))?;
        } else if !crate::scenario::set_shock_entry(&mut root, &keys, &node) {
            tree::merge(&mut root, tree::layer_for(&keys, node));
        }
    }
    let mut top: Vec<(String, String)> = Vec::new();
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for o in &overrides {
        let keys = &o.address.keys;
        let (section, key) = match keys.as_slice() {
            [k] => (None, k.clone()),
            [s, k, ..] => (Some(s.clone()), k.clone()),
            [] => continue,
        };
        let node = match &section {
            None => root.get(&key),
            Some(s) => match root.get(s).map(|n| &n.value) {
                Some(Value::Table(t)) => t.get(&key),
                _ => None,
            },
        }
        .ok_or_else(|| Error::Internal(format!("`{}` not in the tree", o.address)))?;
        let text = inline(node)?;
        let list = match section {
            None => &mut top,
            Some(s) => {
                let i = match sections.iter().position(|(n, _)| *n == s) {
                    Some(i) => i,
                    None => {
                        sections.push((s, Vec::new()));
                        sections.len() - 1
                    }
                };
                &mut sections[i].1
            }
        };
        list.retain(|(k, _)| *k != key);
        list.push((key, text));
    }
    let mut out = String::new();
    let sets: Vec<String> = overrides
        .iter()
        .map(|o| format!("--set '{}'", o.arg))
        .collect();
    let _ = writeln!(
        out,
        "# Made by `fiscalsim serve` from {} with the levers below; save it beside that\n\
         # file. The same as: fiscalsim run {} --draws {draws} --seed {} {}",
        session.file_name,
        session.file_name,
        sc.montecarlo.seed,
        sets.join(" ")
    );
    let _ = writeln!(out, "extends = {}", quote(&session.file_name));
    for (k, v) in &top {
        let _ = writeln!(out, "{} = {v}", key_text(k));
    }
    for (s, keys) in &sections {
        let _ = writeln!(out, "\n[{}]", key_text(s));
        for (k, v) in keys {
            let _ = writeln!(out, "{} = {v}", key_text(k));
        }
    }
    let _ = writeln!(
        out,
        "\n[montecarlo]\ndraws = {draws}\nseed = {}",
        sc.montecarlo.seed
    );
    Ok(out)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn key_text(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A node as an inline TOML value (floats in the shortest form that reads back the same).
fn inline(node: &Node) -> Result<String> {
    Ok(match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Float(x) => toml::Value::Float(*x).to_string(),
        Value::Str(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Result<Vec<String>> = items.iter().map(inline).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Table(t) => table(t)?,
    })
}

fn table(t: &Table) -> Result<String> {
    let parts: Result<Vec<String>> = t
        .entries
        .iter()
        .map(|e| Ok(format!("{} = {}", key_text(&e.key), inline(&e.node)?)))
        .collect();
    Ok(format!("{{ {} }}", parts?.join(", ")))
}
