//! `[montecarlo] probabilities`: events whose probability a Monte Carlo run reports, in
//! the shared event grammar of [`crate::expr`].
//!
//! ```toml
//! [[montecarlo.probabilities]]
//! event = "debt_gdp@..2040 > 0.6"          # ever above 60 % of GDP by 2040
//! label = "debt above 60 % by 2040"        # optional
//!
//! [[montecarlo.probabilities]]
//! event = "mean(real_growth@2026..2028) >= 0.053"
//! ```
//!
//! A plain list of strings (`probabilities = ["overall_balance_gdp@2027 < -0.03"]`) works too.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::reader::Reader;
use super::tree::{Node, Table, Value};
use crate::expr::Event;

/// One probability to report: an event and an optional label.
#[derive(Debug, Clone, PartialEq)]
pub struct Probability {
    /// The event (see [`Event`]).
    pub event: Event,
    /// A human label for reports; empty when none was given.
    pub label: String,
}

impl Serialize for Probability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Probability", 2)?;
        st.serialize_field("event", &self.event.to_string())?;
        st.serialize_field("label", &self.label)?;
        st.end()
    }
}

const KEY: &str = "montecarlo.probabilities";
const EXAMPLE: &str = "e.g. [[montecarlo.probabilities]] with event = \"debt_gdp@..2040 > 0.6\" \
                       and an optional label";

/// Parses one event text at `node`, checked against the projection years.
fn event(r: &mut Reader, node: &Node, text: &str) -> Option<Event> {
    let parsed: Result<Event, String> = text.parse();
    match parsed.and_then(|e| e.check(r.years()).map(|()| e)) {
        Ok(e) => Some(e),
        Err(msg) => {
            r.err(Some(&node.loc), KEY, msg);
            None
        }
    }
}

/// Parses `[montecarlo] probabilities` (absent: an empty list), checked against `r`'s
/// projection years.
pub(super) fn resolve(r: &mut Reader, node: Option<&Node>) -> Vec<Probability> {
    let Some(node) = node else {
        return Vec::new();
    };
    let Value::Array(items) = &node.value else {
        let msg = format!("expected a list of events, {EXAMPLE}");
        r.err(Some(&node.loc), KEY, msg);
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(text) => {
                if let Some(e) = event(r, item, text) {
                    out.push(Probability {
                        event: e,
                        label: String::new(),
                    });
                }
            }
            Value::Table(t) => out.extend(entry(r, item, t)),
            v => r.err(
                Some(&item.loc),
                KEY,
                format!(
                    "expected an event string or a table, found a {}; {EXAMPLE}",
                    v.type_name()
                ),
            ),
        }
    }
    out
}

/// One probability written as a table (`item`) with `event` and an optional `label`.
fn entry(r: &mut Reader, item: &Node, t: &Table) -> Option<Probability> {
    for e in &t.entries {
        if e.key != "event" && e.key != "label" {
            r.err(
                Some(&e.key_loc),
                format!("{KEY}.{}", e.key),
                format!("unknown key `{}` (valid keys: event, label)", e.key),
            );
        }
    }
    let label = t
        .get("label")
        .and_then(|n| r.string(n, &format!("{KEY}.label")))
        .unwrap_or_default();
    let Some(n) = t.get("event") else {
        let msg = format!("missing: each probability needs an event, {EXAMPLE}");
        r.err(Some(&item.loc), format!("{KEY}.event"), msg);
        return None;
    };
    let Value::Str(text) = &n.value else {
        r.err(
            Some(&n.loc),
            format!("{KEY}.event"),
            format!(
                "expected a string such as \"debt_gdp@2040 > 0.6\", found a {}",
                n.value.type_name()
            ),
        );
        return None;
    };
    let event = event(r, n, text)?;
    Some(Probability { event, label })
}
