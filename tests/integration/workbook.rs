//! Excel workbooks (`--out FILE.xlsx`): read back with calamine, every value checked
//! against the CSV of the same run.
#![cfg(feature = "xlsx")]

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::util::{TOY, dir_with, fiscalsim, read_csv};

fn run_both(
    dir: &Path,
    args: &[&str],
    name: &str,
) -> (String, Xlsx<std::io::BufReader<std::fs::File>>) {
    let csv = format!("{name}.csv");
    let xlsx = format!("{name}.xlsx");
    for out in [&csv, &xlsx] {
        let o = fiscalsim()
            .args(args)
            .args(["--out", out.as_str()])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let text = std::fs::read_to_string(dir.join(&csv)).unwrap();
    (
        text,
        open_workbook(dir.join(&xlsx)).expect("a workbook calamine reads"),
    )
}

/// Every cell of the sheet equals the CSV: numbers bit for bit, text as text.
fn assert_same(csv: &str, book: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str) {
    let (header, rows) = read_csv(csv);
    let range = book.worksheet_range(sheet).expect("the table's sheet");
    let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(cells.len(), rows.len() + 1);
    for (c, h) in header.iter().enumerate() {
        assert_eq!(cells[0][c], Data::String(h.clone()));
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let got = &cells[r + 1][c];
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let y = match got {
                        Data::Float(f) => *f,
                        Data::Int(i) => *i as f64,
                        other => panic!("row {r} col {c}: {other:?} for {v}"),
                    };
                    assert_eq!(x.to_bits(), y.to_bits(), "row {r} col {c}: {y} for {v}");
                }
                _ => assert_eq!(*got, Data::String(v.clone()), "row {r} col {c}"),
            }
        }
    }
}

#[test]
fn a_projection_workbook_holds_the_csv_values_settings_and_charts() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let (csv, mut book) = run_both(
        dir.path(),
        &["run", "toy.toml", "--set", "end_year=2030"],
        "p",
    );
    assert_eq!(book.sheet_names(), ["run", "charts", "inputs"]);
    assert_same(&csv, &mut book, "run");
    let inputs = book.worksheet_range("inputs").unwrap();
    let text: Vec<String> = inputs.rows().map(|r| r[0].to_string()).collect();
    assert!(text.contains(&"command".to_string()) && text.contains(&"set".to_string()));
    assert!(text.iter().any(|t| t == "initial.debt_gdp"), "{text:?}");
    // percent formats, a frozen header and native line charts are in the package
    let zip = std::fs::read(dir.path().join("p.xlsx")).unwrap();
    let has = |needle: &str| zip.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(has("xl/charts/chart1.xml") && has("xl/charts/chart3.xml"));
}

#[test]
fn a_monte_carlo_workbook_has_the_summary_and_the_fan() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let (csv, mut book) = run_both(
        dir.path(),
        &["run", "toy.toml", "--draws", "100", "--seed", "1"],
        "fan",
    );
    assert_eq!(
        book.sheet_names(),
        ["run", "fan debt_gdp", "fan real_growth", "inputs"]
    );
    assert_same(&csv, &mut book, "run");
    let fan = book.worksheet_range("fan debt_gdp").unwrap();
    assert_eq!(fan.rows().count(), 3, "header and two years");
}

#[test]
fn compare_and_sweep_tables_become_workbooks_and_charts_are_refused() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let sweep = [
        "sweep",
        "toy.toml",
        "--vary",
        "structure.spending_multiplier=0.2,0.8",
    ];
    let (csv, mut book) = run_both(dir.path(), &sweep, "sw");
    assert_same(&csv, &mut book, "sweep");
    let o = fiscalsim()
        .args(["chart", "lines", "toy.toml", "--out", "c.xlsx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("an Excel workbook holds tables"));
    assert!(!dir.path().join("c.xlsx").exists());
}
