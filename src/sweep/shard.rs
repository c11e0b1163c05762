//! Sharding: `--shard i/n` runs the i-th of n deterministic slices of the points of a
//! sweep or sensitivity run, and [`merge`] joins the pieces into exactly the bytes of
//! the unsharded run.
//!
//! Shard `i` of `n` (1-based, so that a Slurm array `--array=1-n` passes
//! `$SLURM_ARRAY_TASK_ID/n`) evaluates the points `floor(P (i-1) / n)` up to (not
//! including) `floor(P i / n)` of the P points of the design. A shard file is a CSV with
//! one extra first line, `#fiscalsim-shard {json}`, that says which run and which slice it
//! holds: the kind of run, `shard`, `of`, the slice's `first` point, the total `points`,
//! a `fingerprint` of the scenario and settings (shards of different runs are refused),
//! and the `plan` that `fiscalsim merge` needs to finish the run.

use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Loc, Result};

/// The first characters of a shard file.
pub(crate) const MAGIC: &str = "#fiscalsim-shard ";

/// One slice of a run: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index, `1..=count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// The most shards of one run.
pub(crate) const MAX_SHARDS: usize = 100_000;

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let bad = || {
            format!(
                "`{s}` is not a shard: write i/n with 1 <= i <= n <= {MAX_SHARDS}, e.g. 3/8 (in a \
                 Slurm array: $SLURM_ARRAY_TASK_ID/8 with --array=1-8)"
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The points of this shard among `total` points.
    pub fn range(&self, total: usize) -> Range<usize> {
        let at = |k: usize| ((total as u128 * k as u128) / self.count as u128) as usize;
        at(self.index - 1)..at(self.index)
    }
}

/// The first line of a shard file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardHeader {
    /// `sweep` or `sensitivity`.
    pub kind: String,
    /// This shard's 1-based index.
    pub shard: usize,
    /// The number of shards of the run.
    pub of: usize,
    /// The index of the shard's first point in the whole design.
    pub first: usize,
    /// The number of points of the whole design.
    pub points: usize,
    /// A hash of the scenario and every setting that changes the results.
    pub fingerprint: String,
    /// What `merge` needs to finish the run (for sensitivity: the method and ranges).
    pub plan: serde_json::Value,
}

/// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint of a text.
pub(crate) fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Writes a CSV table: a header and rows of already formatted cells.
pub(crate) fn write_table(
    w: &mut dyn Write,
    header: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header)?;
    for r in rows {
        csv.write_record(r)?;
    }
    csv.flush()
}

/// Writes a shard file: the `#fiscalsim-shard` line, then the CSV table.
pub(crate) fn write_shard(
    w: &mut dyn Write,
    head: &ShardHeader,
    header: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let json = serde_json::to_string(head).map_err(io::Error::other)?;
    writeln!(w, "{MAGIC}{json}")?;
    write_table(w, header, rows)
}

/// A shard file read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardFile {
    /// Its first line.
    pub head: ShardHeader,
    /// The CSV header.
    pub header: Vec<String>,
    /// The rows, as written.
    pub rows: Vec<Vec<String>>,
}

/// Reads a shard file.
pub(crate) fn read_shard(path: &Path) -> Result<ShardFile> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let source: Arc<str> = Arc::from(path.display().to_string());
    let at = |line: u32| Loc {
        source: source.clone(),
        line,
        col: 1,
    };
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let Some(json) = first.strip_prefix(MAGIC) else {
        return Err(Error::Data {
            loc: at(1),
            message: format!(
                "not a shard file: it should start with `{}` (write shards with --shard i/n)",
                MAGIC.trim()
            ),
        });
    };
    let head: ShardHeader = serde_json::from_str(json).map_err(|e| Error::Data {
        loc: at(1),
        message: format!("the shard line is damaged: {e}"),
    })?;
    let mut reader = csv::ReaderBuilder::new().from_reader(rest.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Data {
            loc: at(2),
            message: format!("cannot read the CSV header: {e}"),
        })?
        .iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    for (k, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::Data {
            loc: at(k as u32 + 3),
            message: format!("cannot read the row: {e}"),
        })?;
        rows.push(rec.iter().map(String::from).collect());
    }
    Ok(ShardFile { head, header, rows })
}

/// The shard `s` (read from `p`) belongs to the run of the `first` shard (read from
/// `first_path`), has its columns, a valid number and all its rows.
fn check_shard(s: &ShardFile, p: &Path, first: &ShardFile, first_path: &str) -> Result<()> {
    let flag = "FILES";
    let (kind, of, points, fp) = (
        &first.head.kind,
        first.head.of,
        first.head.points,
        &first.head.fingerprint,
    );
    let name = p.display();
    if s.head.kind != *kind
        || s.head.of != of
        || s.head.points != points
        || s.head.fingerprint != *fp
    {
        return Err(Error::usage(
            flag,
            format!(
                "`{name}` is from another run than `{first_path}` ({} shard {}/{} of {} \
                 points, fingerprint {} vs {kind} shard of {of}, {points} points, fingerprint \
                 {fp}): merge the shards of one run",
                s.head.kind, s.head.shard, s.head.of, s.head.points, s.head.fingerprint
            ),
        ));
    }
    if s.header != first.header {
        return Err(Error::usage(
            flag,
            format!("`{name}` has other columns than `{first_path}`"),
        ));
    }
    let expected = Shard {
        index: s.head.shard,
        count: of,
    };
    if s.head.shard == 0 || s.head.shard > of {
        return Err(Error::usage(
            flag,
            format!("`{name}` claims to be shard {} of {of}", s.head.shard),
        ));
    }
    let range = expected.range(points);
    if s.head.first != range.start || s.rows.len() != range.len() {
        return Err(Error::usage(
            flag,
            format!(
                "`{name}` is incomplete: shard {}/{of} should hold points {}..{} ({} rows), it \
                 has {} rows from point {}",
                s.head.shard,
                range.start,
                range.end,
                range.len(),
                s.rows.len(),
                s.head.first
            ),
        ));
    }
    Ok(())
}

/// Joins the shard files of one run, in shard order. Every shard `1..=n` must be given
/// exactly once, all from the same run (kind, fingerprint, header) and complete.
pub fn merge(paths: &[&Path]) -> Result<ShardFile> {
    let flag = "FILES";
    let mut shards: Vec<(ShardFile, &Path)> = Vec::with_capacity(paths.len());
    for p in paths {
        shards.push((read_shard(p)?, p));
    }
    let Some((first, first_path)) = shards.first() else {
        return Err(Error::usage(flag, "give the shard files to merge"));
    };
    let (of, points) = (first.head.of, first.head.points);
    let first_path = first_path.display().to_string();
    if of == 0 || of > MAX_SHARDS || points > super::design::MAX_POINTS {
        return Err(Error::usage(
            flag,
            format!("`{first_path}` has a damaged shard line ({of} shards of {points} points)"),
        ));
    }
    let first_header = first.header.clone();
    let mut slots: Vec<Option<usize>> = vec![None; of];
    for (k, (s, p)) in shards.iter().enumerate() {
        let name = p.display();
        check_shard(s, p, first, &first_path)?;
        match slots[s.head.shard - 1] {
            Some(other) => {
                return Err(Error::usage(
                    flag,
                    format!(
                        "shard {}/{of} is given twice: `{}` and `{name}`",
                        s.head.shard,
                        shards[other].1.display()
                    ),
                ));
            }
            None => slots[s.head.shard - 1] = Some(k),
        }
    }
    let missing: Vec<String> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{of}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(
            flag,
            format!(
                "missing shard{} {}: run them and merge again",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ),
        ));
    }
    let mut head = first.head.clone();
    head.shard = 1;
    head.of = 1;
    head.first = 0;
    let mut rows = Vec::with_capacity(points);
    for k in slots.into_iter().flatten() {
        rows.append(&mut shards[k].0.rows);
    }
    Ok(ShardFile {
        head,
        header: first_header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_point_once() {
        for total in [0, 1, 5, 441, 1000] {
            for n in [1, 2, 3, 7, 10] {
                let mut next = 0;
                for i in 1..=n {
                    let r = Shard { index: i, count: n }.range(total);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        for bad in ["0/4", "5/4", "x/4", "4", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn merge_checks_completeness_and_joins_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let header = vec!["a".to_string(), "m".to_string()];
        let rows: Vec<Vec<String>> = (0..5)
            .map(|k| vec![k.to_string(), (k * k).to_string()])
            .collect();
        let mut paths = Vec::new();
        for i in [2, 1, 3] {
            let sh = Shard { index: i, count: 3 };
            let r = sh.range(5);
            let head = ShardHeader {
                kind: "sweep".into(),
                shard: i,
                of: 3,
                first: r.start,
                points: 5,
                fingerprint: fingerprint("run"),
                plan: serde_json::Value::Null,
            };
            let p = dir.path().join(format!("s{i}.csv"));
            let mut f = std::fs::File::create(&p).unwrap();
            write_shard(&mut f, &head, &header, &rows[r]).unwrap();
            paths.push(p);
        }
        let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let m = merge(&refs).unwrap();
        assert_eq!(m.rows, rows);
        assert_eq!(m.header, header);
        let e = merge(&refs[..2]).unwrap_err().to_string();
        assert!(e.contains("missing shard 3/3"), "{e}");
        let e = merge(&[refs[0], refs[0], refs[1], refs[2]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("given twice"), "{e}");
        std::fs::write(
            dir.path().join("y.csv"),
            "#fiscalsim-shard \
             {\"kind\":\"sweep\",\"shard\":1,\"of\":18446744073709551615,\"first\":0,\"points\":1,\"fingerprint\":\"x\",\"plan\":null}\na\n1\n",
        )
        .unwrap();
        let e = merge(&[&dir.path().join("y.csv")]).unwrap_err().to_string();
        assert!(e.contains("damaged"), "{e}");
        std::fs::write(dir.path().join("x.csv"), "a,m\n1,2\n").unwrap();
        let e = merge(&[&dir.path().join("x.csv")]).unwrap_err().to_string();
        assert!(e.contains("x.csv:1:1: not a shard file"), "{e}");
    }

    proptest::proptest! {
        /// The n shards of any run partition its points into consecutive slices whose
        /// sizes differ by at most one.
        #[test]
        fn shards_partition_the_points(total in 0usize..100_000, n in 1usize..500) {
            let mut next = 0;
            let (mut min, mut max) = (usize::MAX, 0);
            for i in 1..=n {
                let r = Shard { index: i, count: n }.range(total);
                proptest::prop_assert_eq!(r.start, next);
                next = r.end;
                min = min.min(r.len());
                max = max.max(r.len());
            }
            proptest::prop_assert_eq!(next, total);
            proptest::prop_assert!(max - min <= 1);
        }
    }
}
