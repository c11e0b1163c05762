//! `[montecarlo] probabilities`: events whose probability a Monte Carlo run reports, in
//! the shared event grammar of [`crate::metric`].
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

use super::tree::{Node, Value};
use crate::error::Diagnostic;
use crate::metric::Event;

/// One probability to report: an event and an optional label.
#[derive(Debug, Clone, PartialEq)]
pub struct Probability {
    /// The event (see [`crate::metric`]).
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

/// Parses one event text at `node`, checked against the projection `years`.
fn event(diags: &mut Vec<Diagnostic>, node: &Node, text: &str, years: &[i32]) -> Option<Event> {
    let parsed: Result<Event, String> = text.parse();
    match parsed.and_then(|e| e.check(years).map(|()| e)) {
        Ok(e) => Some(e),
        Err(msg) => {
            diags.push(Diagnostic::new(Some(&node.loc), KEY, msg));
            None
        }
    }
}

/// Parses `[montecarlo] probabilities` (absent: an empty list).
pub fn resolve(
    diags: &mut Vec<Diagnostic>,
    node: Option<&Node>,
    years: &[i32],
) -> Vec<Probability> {
    let Some(node) = node else {
        return Vec::new();
    };
    let Value::Array(items) = &node.value else {
        diags.push(Diagnostic::new(
            Some(&node.loc),
            KEY,
            format!("expected a list of events, {EXAMPLE}"),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(text) => {
                if let Some(e) = event(diags, item, text, years) {
                    out.push(Probability {
                        event: e,
                        label: String::new(),
                    });
                }
            }
            Value::Table(t) => {
                for e in &t.entries {
                    if e.key != "event" && e.key != "label" {
                        diags.push(Diagnostic::new(
                            Some(&e.key_loc),
                            format!("{KEY}.{}", e.key),
                            format!("unknown key `{}` (valid keys: event, label)", e.key),
                        ));
                    }
                }
                let label = match t.get("label").map(|n| &n.value) {
                    None => String::new(),
                    Some(Value::Str(s)) => s.clone(),
                    Some(v) => {
                        diags.push(Diagnostic::new(
                            t.get("label").map(|n| &n.loc),
                            format!("{KEY}.label"),
                            format!("expected a string, found a {}", v.type_name()),
                        ));
                        String::new()
                    }
                };
                match t.get("event") {
                    Some(n) => match &n.value {
                        Value::Str(text) => {
                            if let Some(e) = event(diags, n, text, years) {
                                out.push(Probability { event: e, label });
                            }
                        }
                        v => diags.push(Diagnostic::new(
                            Some(&n.loc),
                            format!("{KEY}.event"),
                            format!(
                                "expected a string such as \"debt_gdp@2040 > 0.6\", found a {}",
                                v.type_name()
                            ),
                        )),
                    },
                    None => diags.push(Diagnostic::new(
                        Some(&item.loc),
                        format!("{KEY}.event"),
                        format!("missing: each probability needs an event, {EXAMPLE}"),
                    )),
                }
            }
            v => diags.push(Diagnostic::new(
                Some(&item.loc),
                KEY,
                format!(
                    "expected an event string or a table, found a {}; {EXAMPLE}",
                    v.type_name()
                ),
            )),
        }
    }
    out
}
