//! Sweep throughput: a 21 x 21 grid with 2,000 Monte Carlo draws per point on the
//! 2026-2055 Kazakhstan scenario (882,000 simulated 30-year paths per iteration), and the
//! same grid deterministically.
//!
//! Run briefly: `cargo bench --bench sweep -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fiscalsim::metric::Metric;
use fiscalsim::scenario::{Override, load_tree};
use fiscalsim::sweep::{Evaluator, Param, grid};

fn evaluator(draws: Option<u64>) -> (Evaluator, Vec<Vec<Option<f64>>>) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kazakhstan-2026-2040.toml");
    let tree = load_tree(&file).expect("scenario loads");
    let sets: Vec<Override> = vec!["end_year=2055".parse().expect("override")];
    let params: Vec<Param> = [
        "structure.spending_multiplier=0.2:0.8/21",
        "policy.growth_spending_share@2028=0.10:0.30/21",
    ]
    .iter()
    .map(|p| p.parse().expect("param"))
    .collect();
    let mut metrics = vec![
        "debt_gdp@2055",
        "mean(real_growth@2026..2055)",
        "overall_balance_gdp@2055",
    ];
    if draws.is_some() {
        metrics.push("p90(debt_gdp@2055)");
    }
    let metrics: Vec<Metric> = metrics.iter().map(|m| m.parse().expect("metric")).collect();
    let points = grid(&params)
        .expect("grid")
        .into_iter()
        .map(|p| p.into_iter().map(Some).collect())
        .collect();
    let ev = Evaluator::new(
        tree,
        sets,
        params.iter().map(|p| p.address.clone()).collect(),
        metrics,
        draws,
        None,
    )
    .expect("evaluator");
    (ev, points)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sweep_21x21_2026_2055");
    g.sample_size(10);
    let (det, points) = evaluator(None);
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("deterministic_441_points", |b| {
        b.iter(|| black_box(det.run(&points, false).expect("sweep runs")))
    });
    let (mc, points) = evaluator(Some(2000));
    g.throughput(Throughput::Elements(points.len() as u64 * 2000));
    g.bench_function("montecarlo_441_points_x_2000_draws", |b| {
        b.iter(|| black_box(mc.run(&points, false).expect("sweep runs")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
