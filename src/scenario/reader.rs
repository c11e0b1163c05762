//! The one reader of the scenario tree: typed access to the keys of a parsed
//! [`Table`], every mistake collected as a diagnostic naming its file, line and key.
//!
//! Every section is read through it: the schema sections of [`super::resolve`], `[fund]`
//! and `[rules]`, `[stress]`, `[uncertainty]`, `[montecarlo] probabilities` and
//! `[sweep]`. A reader keeps going after a mistake, so that a file's mistakes are
//! reported together; [`Reader::since`] tells a section whether it read cleanly.
//!
//! The accessors keep the wording of the messages that users and tests already know:
//! those reading a key of a schema section (`scalar`, `integer`, `key_string`) name the
//! type found with its article ("found an integer"), those reading a node of a
//! free-form table (`number`, `bool`, `string`) write "found a" before the TOML type
//! name.

use super::path::number;
use super::plausible::{self, Allow};
use super::tree::{Node, Table, Value};
use crate::error::{Diagnostic, Diagnostics, Error, Loc, suggest};

/// What a number must satisfy.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// A share in [0, 1].
    Share,
    /// Strictly positive.
    Positive,
    /// At least zero.
    NonNeg,
    /// A rate above -1 (-100 %).
    Rate,
    /// Within [lo, hi].
    Range(f64, f64),
}

impl Check {
    /// Why `x` fails the check (`None` when it passes); a non-finite `x` always fails.
    pub(crate) fn test(self, x: f64) -> Option<String> {
        if !x.is_finite() {
            return Some(format!("must be a finite number, found {x}"));
        }
        match self {
            Check::Share if !(0.0..=1.0).contains(&x) => Some(format!(
                "must be a share in [0, 1] (0.109 means 10.9 %), found {x}{}",
                if (1.0..=100.0).contains(&x) {
                    format!(": did you mean {}?", x / 100.0)
                } else {
                    String::new()
                }
            )),
            Check::Positive if x <= 0.0 => Some(format!("must be greater than 0, found {x}")),
            Check::NonNeg if x < 0.0 => Some(format!("must be 0 or more, found {x}")),
            Check::Rate if x <= -1.0 => Some(format!(
                "must be a rate above -1 (0.053 means 5.3 %), found {x}"
            )),
            Check::Range(lo, hi) if !(lo..=hi).contains(&x) => {
                Some(format!("must be in [{lo}, {hi}], found {x}"))
            }
            _ => None,
        }
    }
}

/// Reads values of the scenario tree, collecting mistakes.
pub(crate) struct Reader {
    /// The mistakes so far, in the order found.
    pub(crate) diags: Vec<Diagnostic>,
    /// Full keys (`baseline.inflation`) that an unknown key was taken to mean: a
    /// "missing" report for them would only repeat the "did you mean".
    suggested: Vec<String>,
    /// Which keys may take values outside their plausible ranges.
    allow: Allow,
    /// The projection years, once known (for keys that name years).
    years: Vec<i32>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            diags: Vec::new(),
            suggested: Vec::new(),
            allow: Allow::Nothing,
            years: Vec::new(),
        }
    }
}

impl Reader {
    /// A reader for a scenario whose projection years are `years` (the reader of a
    /// section read on its own).
    #[cfg(test)]
    pub(crate) fn with_years(years: &[i32]) -> Self {
        Reader {
            years: years.to_vec(),
            ..Reader::default()
        }
    }

    /// Reads `plausible`'s allow-list from `root`: which keys may leave their plausible
    /// ranges.
    pub(super) fn read_allow(&mut self, root: &Table) {
        self.allow = plausible::read_allow(root, self);
    }

    /// Sets the projection years, once resolved.
    pub(super) fn set_years(&mut self, years: &[i32]) {
        self.years = years.to_vec();
    }

    /// The projection years (empty until known).
    pub(crate) fn years(&self) -> &[i32] {
        &self.years
    }

    /// How many mistakes were reported so far, to compare with [`Reader::since`].
    pub(crate) fn mark(&self) -> usize {
        self.diags.len()
    }

    /// Whether no mistake was reported since `mark` (from [`Reader::mark`]).
    pub(crate) fn since(&self, mark: usize) -> bool {
        self.diags.len() == mark
    }

    /// Reports a mistake at `loc` (none: the key was not written) under the dotted `key`.
    pub(crate) fn err(
        &mut self,
        loc: Option<&Loc>,
        key: impl Into<String>,
        msg: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::new(loc, key, msg));
    }

    /// Notes that an unknown key was taken to mean the dotted `key`.
    pub(super) fn suggested(&mut self, key: String) {
        self.suggested.push(key);
    }

    /// Why `x` is not a valid value of the dotted `key`: the check, then plausibility.
    pub(super) fn value_problem(&self, key: &str, check: Check, x: f64) -> Option<String> {
        check
            .test(x)
            .or_else(|| plausible::problem(key, x, &self.allow))
    }

    /// The error listing every diagnostic: in file order (file, line, column; those
    /// without a place last), without "missing" reports of keys that a misspelt key was
    /// taken to mean.
    pub(super) fn finish(self) -> Error {
        let Reader {
            mut diags,
            suggested,
            ..
        } = self;
        diags.retain(|d| {
            !(d.message.starts_with("missing")
                && d.key.as_ref().is_some_and(|k| suggested.contains(k)))
        });
        diags.sort_by(|a, b| match (&a.loc, &b.loc) {
            (Some(x), Some(y)) => (&x.source, x.line, x.col).cmp(&(&y.source, y.line, y.col)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        Error::Scenario(Diagnostics(diags))
    }

    /// The mistakes, in the order found: `Err` when there are any.
    pub(crate) fn into_result(self) -> Result<(), Error> {
        if self.diags.is_empty() {
            Ok(())
        } else {
            Err(Error::Scenario(Diagnostics(self.diags)))
        }
    }

    /// The table under `key` of `root`; `None` when absent or, reported, not a table.
    pub(super) fn table<'a>(&mut self, root: &'a Table, key: &str) -> Option<&'a Table> {
        let node = root.get(key)?;
        let Value::Table(t) = &node.value else {
            self.err(
                Some(&node.loc),
                key,
                format!(
                    "expected a table [{key}], found {}",
                    node.value.a_type_name()
                ),
            );
            return None;
        };
        Some(t)
    }

    /// The value of the string key `key` of `t` among `options` (absent: `default`); any
    /// other value is reported as an unknown `what`, followed by `valid` (the valid values,
    /// explained), and `default` is returned.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn choice<T: Copy>(
        &mut self,
        t: &Table,
        section: &str,
        key: &str,
        options: &[(&str, T)],
        default: T,
        what: &str,
        valid: &str,
    ) -> T {
        let Some(node) = t.get(key) else {
            return default;
        };
        if let Value::Str(s) = &node.value
            && let Some((_, v)) = options.iter().find(|(name, _)| name == s)
        {
            return *v;
        }
        let found = match &node.value {
            Value::Str(s) => format!("\"{s}\""),
            other => other.a_type_name().to_string(),
        };
        self.err(
            Some(&node.loc),
            format!("{section}.{key}"),
            format!("unknown {what} {found}: {valid}"),
        );
        default
    }

    /// The number under `key` of the table of `section`, checked (and plausible): `None`
    /// when absent or invalid (the latter reported).
    pub(super) fn scalar(
        &mut self,
        t: &Table,
        section: &str,
        key: &str,
        check: Check,
    ) -> Option<f64> {
        let node = t.get(key)?;
        let full = format!("{section}.{key}");
        let Some(x) = number(node) else {
            self.err(
                Some(&node.loc),
                full,
                format!("expected a number, found {}", node.value.a_type_name()),
            );
            return None;
        };
        if let Some(msg) = self.value_problem(&full, check, x) {
            self.err(Some(&node.loc), full, msg);
            return None;
        }
        Some(x)
    }

    /// A whole number (an integer, or a float without fraction); else reported.
    pub(super) fn integer(&mut self, node: &Node, key: &str) -> Option<i64> {
        let n = whole(node);
        if n.is_none() {
            let found = match node.value {
                Value::Float(f) => f.to_string(),
                ref other => other.a_type_name().to_string(),
            };
            self.err(
                Some(&node.loc),
                key,
                format!("expected a whole number, found {found}"),
            );
        }
        n
    }

    /// A whole number (as [`Reader::integer`]) within `range`; anything else is reported
    /// with the message `msg`.
    pub(crate) fn whole_in(
        &mut self,
        node: &Node,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
        msg: impl FnOnce() -> String,
    ) -> Option<i64> {
        match whole(node) {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                self.err(Some(&node.loc), key, msg());
                None
            }
        }
    }

    /// The string under `key` of `t` (a top-level key: `key` names it); `None` when
    /// absent or, reported, not a string.
    pub(super) fn key_string(&mut self, t: &Table, key: &str) -> Option<String> {
        let node = t.get(key)?;
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            v => {
                self.err(
                    Some(&node.loc),
                    key,
                    format!("expected a string, found {}", v.a_type_name()),
                );
                None
            }
        }
    }

    /// A finite number; else reported.
    pub(crate) fn number(&mut self, node: &Node, key: &str) -> Option<f64> {
        let x = match node.value {
            Value::Float(x) => x,
            Value::Int(i) => i as f64,
            ref v => {
                self.err(
                    Some(&node.loc),
                    key,
                    format!("expected a number, found a {}", v.type_name()),
                );
                return None;
            }
        };
        if !x.is_finite() {
            self.err(
                Some(&node.loc),
                key,
                format!("must be a finite number, found {x}"),
            );
            return None;
        }
        Some(x)
    }

    /// A boolean; else reported.
    pub(crate) fn bool(&mut self, node: &Node, key: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            ref v => {
                self.err(
                    Some(&node.loc),
                    key,
                    format!("expected true or false, found a {}", v.type_name()),
                );
                None
            }
        }
    }

    /// A string; else reported.
    pub(crate) fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            v => {
                self.err(
                    Some(&node.loc),
                    key,
                    format!("expected a string, found a {}", v.type_name()),
                );
                None
            }
        }
    }

    /// A calendar year (1000 to 3000); else reported.
    pub(crate) fn year(&mut self, node: &Node, key: &str) -> Option<i32> {
        match node.value {
            Value::Int(y) if (1000..=3000).contains(&y) => Some(y as i32),
            _ => {
                self.err(Some(&node.loc), key, "expected a year, e.g. 2000");
                None
            }
        }
    }

    /// A list of projection years, each once, sorted (a single year is accepted as a
    /// list of one); else reported.
    pub(crate) fn projection_years(&mut self, node: &Node, key: &str) -> Option<Vec<i32>> {
        let items: Vec<&Node> = match &node.value {
            Value::Array(items) if !items.is_empty() => items.iter().collect(),
            Value::Int(_) => vec![node],
            _ => {
                let first = self.years.first().copied().unwrap_or(2026);
                self.err(
                    Some(&node.loc),
                    key,
                    format!("expected a list of projection years, e.g. years = [{first}]"),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        for item in items {
            let y = self.projection_year(item, key)?;
            if out.contains(&y) {
                self.err(Some(&item.loc), key, format!("{y} is listed twice"));
                return None;
            }
            out.push(y);
        }
        out.sort_unstable();
        Some(out)
    }

    /// One projection year; else reported.
    fn projection_year(&mut self, item: &Node, key: &str) -> Option<i32> {
        let y = match item.value {
            Value::Int(y) => y,
            ref v => {
                self.err(
                    Some(&item.loc),
                    key,
                    format!("expected a year, found a {}", v.type_name()),
                );
                return None;
            }
        };
        if !self.years.iter().any(|p| i64::from(*p) == y) {
            self.err(
                Some(&item.loc),
                key,
                format!(
                    "{y} is not a projection year ({}..={})",
                    self.years.first().copied().unwrap_or_default(),
                    self.years.last().copied().unwrap_or_default()
                ),
            );
            return None;
        }
        Some(y as i32)
    }

    /// Reports the unknown key `name` (written at `loc`, dotted `key`), with the key of
    /// `allowed` it may mean and the list of valid keys.
    pub(crate) fn unknown(&mut self, loc: &Loc, key: &str, name: &str, allowed: &[&str]) {
        let mut msg = format!("unknown key `{name}`");
        if let Some(s) = suggest(name, allowed.iter().copied()) {
            msg.push_str(&format!(": did you mean `{s}`?"));
        }
        msg.push_str(&format!(" (valid keys: {})", allowed.join(", ")));
        self.err(Some(loc), key, msg);
    }
}

/// The whole number of `node`: an integer, or a float without fraction (below 9e15).
fn whole(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => Some(i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::scenario::tree::parse_document;

    fn table(text: &str) -> Table {
        parse_document(text, &Arc::from("r.toml")).unwrap()
    }

    fn messages(r: &Reader) -> Vec<String> {
        r.diags.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn typed_reads_report_file_line_key_and_keep_going() {
        let t = table("a = 1\nb = \"x\"\nc = [2027, 2027]\nd = 2.5\ne = true\n");
        let mut r = Reader::with_years(&[2026, 2027, 2028]);
        let mark = r.mark();
        let node = |k: &str| t.get(k).unwrap().clone();
        assert_eq!(r.number(&node("a"), "s.a"), Some(1.0));
        assert_eq!(r.string(&node("b"), "s.b").as_deref(), Some("x"));
        assert_eq!(r.bool(&node("e"), "s.e"), Some(true));
        assert!(r.since(mark));
        assert_eq!(r.number(&node("b"), "s.b"), None);
        assert_eq!(r.projection_years(&node("c"), "s.c"), None);
        assert_eq!(r.integer(&node("d"), "s.d"), None);
        assert_eq!(
            r.whole_in(&node("a"), "s.a", 2..=3, || "2 or 3".into()),
            None
        );
        assert_eq!(r.key_string(&t, "a"), None);
        assert!(!r.since(mark));
        let m = messages(&r);
        assert_eq!(m.len(), 5, "{m:?}");
        assert!(
            m[0].contains("r.toml:2:5: `s.b`: expected a number, found a string"),
            "{m:?}"
        );
        assert!(
            m[1].contains("r.toml:3:12: `s.c`: 2027 is listed twice"),
            "{m:?}"
        );
        assert!(
            m[2].contains("`s.d`: expected a whole number, found 2.5"),
            "{m:?}"
        );
        assert!(m[3].contains("r.toml:1:5: `s.a`: 2 or 3"), "{m:?}");
        assert!(
            m[4].contains("`a`: expected a string, found an integer"),
            "{m:?}"
        );
    }

    #[test]
    fn finish_sorts_by_place_and_drops_missing_keys_a_misspelling_meant() {
        let mut r = Reader::default();
        let at = |line| Loc {
            source: Arc::from("f.toml"),
            line,
            col: 1,
        };
        r.err(None, "x.y", "missing: give y");
        r.err(Some(&at(3)), "x.b", "late");
        r.err(Some(&at(1)), "x.a", "early");
        r.suggested("x.y".into());
        let Error::Scenario(Diagnostics(d)) = r.finish() else {
            panic!("a scenario error")
        };
        let keys: Vec<_> = d
            .iter()
            .map(|d| d.key.clone().unwrap_or_default())
            .collect();
        assert_eq!(keys, ["x.a", "x.b"]);
    }
}
