//! Benchmarks of comparing scenarios: decomposition, alignment of inputs, charts and the
//! HTML report, on the 2026–2055 Kazakhstan scenario.
//!
//! Run with `cargo bench --bench compare -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscalsim::chart::{self, bars};
use fiscalsim::compare::{align, run_scenario};
use fiscalsim::decompose::decompose;
use fiscalsim::model::{Model, project};
use fiscalsim::report::{Report, Run, render};
use fiscalsim::scenario::{self, Override};

fn benches(c: &mut Criterion) {
    let long = Path::new("scenarios/kazakhstan-2026-2040.toml");
    let to_2055: Vec<Override> = vec!["end_year=2055".parse().expect("valid override")];
    let sc = scenario::load(long, &to_2055).expect("resolves");
    let model = Model::new(&sc);
    let path = project(&sc).expect("projects");
    c.bench_function("decompose 2026-2055 (30 years)", |b| {
        b.iter(|| decompose(black_box(&model), &path, &path))
    });
    c.bench_function("mean decomposition, 1000 draws x 30 years", |b| {
        b.iter(|| fiscalsim::decompose::mean_over_draws(black_box(&sc), 1000, 42).expect("draws"))
    });
    // five inputs of 30 years x (24 + 11) variables
    let tables: Vec<_> = (0..5)
        .map(|i| {
            let set: Vec<Override> = vec![
                "end_year=2055".parse().expect("valid"),
                format!("structure.spending_multiplier={}", 0.2 + 0.1 * f64::from(i))
                    .parse()
                    .expect("valid"),
            ];
            run_scenario(long, &set, true).expect("runs")
        })
        .collect();
    c.bench_function("align + write 5 inputs x 30 years x 35 variables", |b| {
        b.iter(|| {
            let cmp = align(black_box(&tables), false).expect("aligns");
            let mut out = Vec::with_capacity(1 << 20);
            cmp.write_csv(&mut out).expect("writes");
            out
        })
    });
    let stacked = bars::from_table(&tables[0], bars::Which::Debt).expect("decomposition");
    c.bench_function("debt decomposition chart, 30 years (SVG)", |b| {
        b.iter(|| bars::render(black_box(&stacked), chart::Size::default()).expect("draws"))
    });
    let report = Report {
        title: "bench".into(),
        runs: vec![
            Run::new(sc.clone()).expect("runs"),
            Run::new(sc.clone()).expect("runs"),
        ],
        summaries: vec![],
        sensitivities: vec![],
        stress: None,
        backtest: None,
        draws: None,
    };
    c.bench_function("HTML report, 2 scenarios x 30 years", |b| {
        b.iter(|| render(black_box(&report)).expect("renders"))
    });
}

criterion_group!(group, benches);
criterion_main!(group);
