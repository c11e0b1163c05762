//! The raw scenario tree: TOML parsed into owned nodes that remember where each value
//! was written (file, line, column), merged across `extends` layers and `--set` overrides.
//!
//! Merging follows the scenario format: top-level keys and the keys inside a section
//! (`[policy]`, `[structure]`, ...) are overridden one by one; a value (a number, a list,
//! a year-keyed path table) is replaced as a whole. Inside sections that hold named
//! sub-tables (`[stress.<name>]`, `[sweep]`), merging goes deeper, key by key.

use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Diagnostic, Loc};

/// A value of the scenario tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A TOML integer.
    Int(i64),
    /// A TOML float.
    Float(f64),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Node>),
    /// A table, in the order written.
    Table(Table),
}

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub loc: Loc,
}

/// One key of a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The key as written.
    pub key: String,
    /// Where the key was written.
    pub key_loc: Loc,
    /// Its value.
    pub node: Node,
}

/// A merged scenario tree, or a table in it: entries in the order written, each with
/// the place it was written ([`super::load_tree`] reads one, [`super::resolve_tree`]
/// resolves it; its contents are crate-private).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The entries.
    pub(crate) entries: Vec<Entry>,
}

impl Table {
    /// The node under `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }

    /// The entry under `key`, if present.
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Removes and returns the entry under `key`.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(i))
    }

    /// Inserts or replaces the entry under its key, keeping the original position.
    pub(crate) fn insert(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(slot) => *slot = entry,
            None => self.entries.push(entry),
        }
    }
}

impl Value {
    /// The TOML type name, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    /// The TOML type name with its article ("an integer", "a string"), for messages.
    pub(crate) fn a_type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// Maps byte offsets of a text to 1-based line and column (in characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Every [`MARK`] bytes or so, a char boundary and the chars before it: a column is
    /// counted from the nearest mark, not from the start of a line that may be megabytes
    /// long (linear time, whatever the layout).
    marks: Vec<(usize, usize)>,
}

/// Bytes between two marks of a [`LineIndex`].
const MARK: usize = 256;

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut marks = vec![(0, 0)];
        let mut next = MARK;
        for (n, (i, _)) in text.char_indices().enumerate() {
            if i >= next {
                marks.push((i, n));
                next = i + MARK;
            }
        }
        LineIndex {
            text,
            starts,
            marks,
        }
    }

    /// The chars of the text before byte `x` (bytes where `x` is not a char boundary).
    fn chars_before(&self, x: usize) -> usize {
        let i = self.marks.partition_point(|m| m.0 <= x).max(1) - 1;
        let (b, c) = self.marks[i];
        c + self.text.get(b..x).map_or(x - b, |s| s.chars().count())
    }

    fn loc(&self, source: &Arc<str>, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let col = self.chars_before(offset) - self.chars_before(start) + 1;
        Loc {
            source: source.clone(),
            line: line as u32,
            col: col as u32,
        }
    }
}

/// Most parts of a dotted key or table header the TOML parser takes (its nesting limit,
/// which it reports without a place).
const MAX_KEY_PARTS: usize = 80;

/// The first dotted key or table header of `text` with more than [`MAX_KEY_PARTS`] parts:
/// its byte offset, its first parts and its number of parts.
fn deep_key(text: &str) -> Option<(usize, String, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let at = offset + (line.len() - body.len());
        offset += line.len();
        let key = match body.strip_prefix('[') {
            Some(rest) => rest.trim_start_matches('[').split(']').next(),
            None => body.split('=').next().filter(|_| body.contains('=')),
        };
        let Some(key) = key else { continue };
        let mut quoted = None;
        let parts = 1 + key
            .chars()
            .filter(|&c| {
                match (quoted, c) {
                    (None, '"' | '\'') => quoted = Some(c),
                    (Some(q), c) if c == q => quoted = None,
                    _ => {}
                }
                quoted.is_none() && c == '.'
            })
            .count();
        if parts > MAX_KEY_PARTS {
            let first: Vec<&str> = key.trim().splitn(4, '.').take(3).collect();
            return Some((at, format!("{}…", first.join(".")), parts));
        }
    }
    None
}

/// The place and message of a TOML syntax error (`e`'s span, else found in `text`).
fn syntax_error(
    e: &toml::de::Error,
    text: &str,
    index: &LineIndex,
    source: &Arc<str>,
) -> Diagnostic {
    let message = e.message().trim();
    if e.span().is_none()
        && let Some((at, key, parts)) = deep_key(text)
    {
        return Diagnostic {
            loc: Some(index.loc(source, at)),
            key: Some(key),
            message: format!(
                "TOML syntax error: this key has {parts} dotted parts; at most {MAX_KEY_PARTS} \
                 can nest ({message})"
            ),
        };
    }
    Diagnostic {
        loc: Some(index.loc(source, e.span().map_or(0, |s| s.start))),
        key: None,
        message: format!("TOML syntax error: {message}"),
    }
}

/// Parses TOML text into a tree. `source` names the text in messages (the file path as
/// given, or a `--set` argument). Every syntax error is reported, not only the first.
pub(crate) fn parse_document(text: &str, source: &Arc<str>) -> Result<Table, Vec<Diagnostic>> {
    let index = LineIndex::new(text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| syntax_error(e, text, &index, source))
            .collect());
    }
    let mut diags = Vec::new();
    let table = convert_table(doc.get_ref(), "", &index, source, &mut diags);
    if diags.is_empty() {
        Ok(table)
    } else {
        Err(diags)
    }
}

/// Parses one TOML value (the right-hand side of `--set key=value`). A bare word that is
/// not TOML (`student_t`) is taken as a string.
pub(crate) fn parse_value(text: &str, source: &Arc<str>) -> Result<Node, Vec<Diagnostic>> {
    let index = LineIndex::new(text);
    let trimmed = text.trim();
    let bare_word = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/')
        && trimmed
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
    match DeValue::parse(text) {
        Ok(v) => {
            let mut diags = Vec::new();
            let mut node = convert_value(&v, None, &index, source, &mut diags);
            // A command-line value has no lines: name the argument, not a position in it.
            forget_positions(&mut node);
            if diags.is_empty() {
                Ok(node)
            } else {
                Err(diags)
            }
        }
        Err(_) if bare_word && !matches!(trimmed, "true" | "false" | "inf" | "nan") => Ok(Node {
            value: Value::Str(trimmed.to_string()),
            loc: Loc::whole(source.clone()),
        }),
        Err(e) => Err(vec![Diagnostic {
            loc: Some(Loc::whole(source.clone())),
            key: None,
            message: format!(
                "`{text}` is not a valid value: {} (write a number, a list `[0.1, 0.2]`, a table \
                 `{{2026 = 0.1}}` or a quoted string)",
                e.message().trim()
            ),
        }]),
    }
}

fn forget_positions(node: &mut Node) {
    node.loc.line = 0;
    node.loc.col = 0;
    match &mut node.value {
        Value::Array(items) => items.iter_mut().for_each(forget_positions),
        Value::Table(t) => {
            for e in &mut t.entries {
                e.key_loc.line = 0;
                e.key_loc.col = 0;
                forget_positions(&mut e.node);
            }
        }
        _ => {}
    }
}

/// `prefix` is the dotted key of the table (empty at the top), to name keys in messages.
fn convert_table(
    t: &DeTable<'_>,
    prefix: &str,
    index: &LineIndex<'_>,
    source: &Arc<str>,
    diags: &mut Vec<Diagnostic>,
) -> Table {
    let mut out = Table::default();
    for (k, v) in t.iter() {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        out.entries.push(Entry {
            key: k.get_ref().to_string(),
            key_loc: index.loc(source, k.span().start),
            node: convert_value(v, Some(&key), index, source, diags),
        });
    }
    out
}

/// `key` is the dotted key the value stands under, when known, to name it in messages.
fn convert_value(
    v: &Spanned<DeValue<'_>>,
    key: Option<&str>,
    index: &LineIndex<'_>,
    source: &Arc<str>,
    diags: &mut Vec<Diagnostic>,
) -> Node {
    let loc = index.loc(source, v.span().start);
    let key_name = key.map(str::to_string);
    let value = match v.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|&c| c != '_').collect();
            let (neg, digits) = match digits.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let digits = if i.radix() == 10 {
                digits
            } else {
                digits.get(2..).unwrap_or_default().to_string()
            };
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Int(if neg { -n } else { n }),
                Err(_) => {
                    diags.push(Diagnostic {
                        loc: Some(loc.clone()),
                        key: key_name.clone(),
                        message: format!(
                            "integer `{}` is out of range (whole numbers must lie within \
                             ±9223372036854775807)",
                            i.as_str()
                        ),
                    });
                    Value::Int(0)
                }
            }
        }
        DeValue::Float(x) => {
            let s: String = x.as_str().chars().filter(|&c| c != '_').collect();
            let parsed = match s.trim_start_matches('+') {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" | "-nan" => Ok(f64::NAN),
                other => other.parse::<f64>(),
            };
            match parsed {
                Ok(f) => Value::Float(f),
                Err(_) => {
                    diags.push(Diagnostic {
                        loc: Some(loc.clone()),
                        key: key_name.clone(),
                        message: format!(
                            "`{}` is not a number (write e.g. 0.053 or 5.3e-2)",
                            x.as_str()
                        ),
                    });
                    Value::Float(f64::NAN)
                }
            }
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => {
            diags.push(Diagnostic {
                loc: Some(loc.clone()),
                key: key_name.clone(),
                message: format!(
                    "dates are not used in scenarios, found `{d}` (write a year as a whole number, \
                     e.g. 2025, or a quoted string)"
                ),
            });
            Value::Str(d.to_string())
        }
        DeValue::Array(a) => Value::Array(
            a.iter()
                .map(|e| convert_value(e, key, index, source, diags))
                .collect(),
        ),
        DeValue::Table(t) => {
            Value::Table(convert_table(t, key.unwrap_or(""), index, source, diags))
        }
    };
    Node { value, loc }
}

/// Sections whose keys are values replaced as a whole when a later layer sets them.
/// In every other table, merging goes key by key to any depth.
const VALUE_SECTIONS: &[&str] = &[
    "initial",
    "baseline",
    "policy",
    "structure",
    "fund",
    "rules",
    "shocks",
    "montecarlo",
    "uncertainty",
];

/// The two ways to state spending in a block (docs/MODEL.md): as shares of GDP, or as total
/// primary spending with the growth-stimulating share of it.
pub(crate) const GDP_FORM: &[&str] = &["growth_spending_gdp", "other_spending_gdp"];
/// The budget-share form of spending.
pub(crate) const SHARE_FORM: &[&str] = &["primary_spending_gdp", "growth_spending_share"];

/// Merges `child` over `parent` (a later layer over an earlier one): `extends` and
/// `--set` both use this. A block of `initial`/`baseline`/`policy` that states spending in
/// one form drops the inherited keys of the other form.
pub(crate) fn merge(parent: &mut Table, child: Table) {
    merge_at(parent, child, 0, "");
}

fn merge_at(parent: &mut Table, child: Table, depth: usize, section: &str) {
    if depth == 1 && matches!(section, "initial" | "baseline" | "policy") {
        let child_keys: Vec<&str> = child.entries.iter().map(|e| e.key.as_str()).collect();
        let child_gdp = child_keys.iter().any(|k| GDP_FORM.contains(k));
        let child_share = child_keys.iter().any(|k| SHARE_FORM.contains(k));
        if child_share && !child_gdp {
            for k in GDP_FORM {
                parent.remove(k);
            }
        }
        if child_gdp && !child_share {
            for k in SHARE_FORM {
                parent.remove(k);
            }
        }
    }
    if depth == 1 && section == "fund" {
        let given = |k: &str| child.entries.iter().any(|e| e.key == k);
        let [level, share] = super::fund::TRANSFER_FORMS;
        if given(level) && !given(share) {
            parent.remove(share);
        }
        if given(share) && !given(level) {
            parent.remove(level);
        }
    }
    for entry in child.entries {
        let replace_whole = depth == 1 && VALUE_SECTIONS.contains(&section);
        match (
            parent.entries.iter_mut().find(|e| e.key == entry.key),
            entry.node.value,
        ) {
            (Some(slot), Value::Table(child_table))
                if !replace_whole && matches!(slot.node.value, Value::Table(_)) =>
            {
                if let Value::Table(parent_table) = &mut slot.node.value {
                    let sec = if depth == 0 {
                        entry.key.as_str()
                    } else {
                        section
                    };
                    merge_at(parent_table, child_table, depth + 1, sec);
                }
            }
            (_, value) => parent.insert(Entry {
                key: entry.key,
                key_loc: entry.key_loc,
                node: Node {
                    value,
                    loc: entry.node.loc,
                },
            }),
        }
    }
}

/// Builds a one-entry layer that sets `path` (e.g. `["policy", "revenue_gdp"]`) to `node`.
pub(crate) fn layer_for(path: &[&str], node: Node) -> Table {
    let mut node = node;
    for (i, key) in path.iter().enumerate().rev() {
        let table = Table {
            entries: vec![Entry {
                key: key.to_string(),
                key_loc: node.loc.clone(),
                node,
            }],
        };
        if i == 0 {
            return table;
        }
        node = Node {
            loc: table.entries[0].key_loc.clone(),
            value: Value::Table(table),
        };
    }
    Table::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_counted_from_marks_are_the_chars_from_the_line_start() {
        let text: String = (0..3000)
            .map(|i| match i % 7 {
                0 => "é",
                1 => "\n",
                2 => "€€",
                _ => "ab",
            })
            .collect::<String>()
            + &"x".repeat(5 * MARK)
            + "ю";
        let index = LineIndex::new(&text);
        let source: Arc<str> = Arc::from("t");
        for (offset, _) in text.char_indices().step_by(3) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() + 1;
            let loc = index.loc(&source, offset);
            assert_eq!(loc.line as usize, line);
            assert_eq!(loc.col as usize, text[start..offset].chars().count() + 1);
        }
    }

    #[test]
    fn a_key_nested_too_deep_is_found_on_its_line() {
        let text = format!("a = 1\n\n  [{}]\n", vec!["b"; 90].join("."));
        let (at, key, parts) = deep_key(&text).expect("found");
        assert_eq!((at, key.as_str(), parts), (9, "b.b.b…", 90));
        let dotted = format!("x = 1\n{} = 2\n", vec!["\"c.d\""; 85].join("."));
        assert_eq!(deep_key(&dotted).map(|d| d.2), Some(85));
        assert!(deep_key("s = \"a.b.c\"\n[x.y]\n").is_none());
    }

    fn src() -> Arc<str> {
        Arc::from("test.toml")
    }

    #[test]
    fn locations_are_one_based_lines_and_columns() {
        let t = parse_document("name = \"x\"\n[policy]\n  revenue_gdp = 0.1\n", &src()).unwrap();
        let Value::Table(p) = &t.get("policy").unwrap().value else {
            panic!("policy is a table")
        };
        let e = p.entry("revenue_gdp").unwrap();
        assert_eq!((e.key_loc.line, e.key_loc.col), (3, 3));
        assert_eq!((e.node.loc.line, e.node.loc.col), (3, 17));
        assert_eq!(e.node.value, Value::Float(0.1));
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let errs = parse_document("a = \nb = = 2\n", &src()).unwrap_err();
        assert!(errs.len() >= 2, "{errs:?}");
        assert!(
            errs.iter()
                .all(|e| (1..=2).contains(&e.loc.as_ref().unwrap().line))
        );
        assert!(errs.iter().any(|e| e.loc.as_ref().unwrap().line == 2));
    }

    #[test]
    fn merge_replaces_values_whole_and_switches_spending_form() {
        let mut parent = parse_document(
            "[policy]\ngrowth_spending_gdp = {2025 = 0.1, 2028 = 0.2}\nother_spending_gdp = \
             0.1\nrevenue_gdp = 0.1\n",
            &src(),
        )
        .unwrap();
        let child = parse_document(
            "[policy]\nprimary_spending_gdp = 0.15\ngrowth_spending_share = {2028 = 0.3}\n",
            &src(),
        )
        .unwrap();
        merge(&mut parent, child);
        let Value::Table(p) = &parent.get("policy").unwrap().value else {
            panic!()
        };
        let keys: Vec<_> = p.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "revenue_gdp",
                "primary_spending_gdp",
                "growth_spending_share"
            ]
        );
        let Value::Table(path) = &p.get("growth_spending_share").unwrap().value else {
            panic!()
        };
        assert_eq!(
            path.entries.len(),
            1,
            "a path table is replaced, not merged"
        );
    }

    #[test]
    fn set_values_parse_toml_or_bare_words() {
        let s: Arc<str> = Arc::from("--set");
        assert_eq!(parse_value("0.5", &s).unwrap().value, Value::Float(0.5));
        assert_eq!(parse_value("2055", &s).unwrap().value, Value::Int(2055));
        assert_eq!(
            parse_value("student_t", &s).unwrap().value,
            Value::Str("student_t".into())
        );
        assert!(matches!(
            parse_value("{2026=0.16}", &s).unwrap().value,
            Value::Table(_)
        ));
        assert!(parse_value("[1, 2", &s).is_err());
    }
}
