//! Benchmarks of stress tests and goal-seek on the shipped Kazakhstan scenarios.
//!
//! Run with `cargo bench --bench stress -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscalsim::metric::Metric;
use fiscalsim::scenario::{self, Address};
use fiscalsim::solve::{Goal, Op, Search, find_boundary};
use fiscalsim::stress;

fn benches(c: &mut Criterion) {
    let file = Path::new("scenarios/kazakhstan-stress.toml");
    let sc = scenario::load(file, &[]).expect("resolves");
    c.bench_function("stress: baseline + 9 tests, 2026-2040", |b| {
        b.iter(|| stress::run(black_box(&sc), None).expect("runs"))
    });
    let tree =
        scenario::load_tree(Path::new("scenarios/kazakhstan-2026-2040.toml")).expect("loads");
    let goal = |metric: &str, draws| Goal {
        tree: tree.clone(),
        sets: Vec::new(),
        adjust: "policy.revenue_gdp".parse::<Address>().expect("address"),
        metric: metric.parse::<Metric>().expect("metric"),
        draws,
        seed: None,
    };
    let det = goal("debt_gdp@2035", None);
    c.bench_function("solve: deterministic debt_gdp@2035 <= 0.15", |b| {
        b.iter(|| {
            find_boundary(&Search::new(0.08, 0.14), Op::Le, 0.15, |x| det.metric_at(x))
                .expect("solves")
        })
    });
    let mc = goal("prob(debt_gdp@2040 <= 0.2)", Some(1000));
    let search = Search {
        method: mc.method(),
        ..Search::new(0.08, 0.14)
    };
    c.bench_function(
        "solve: prob(debt_gdp@2040 <= 0.2) >= 0.9, 1000 draws",
        |b| b.iter(|| find_boundary(&search, Op::Ge, 0.9, |x| mc.metric_at(x)).expect("solves")),
    );
}

criterion_group! {
    name = stress_benches;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(stress_benches);
