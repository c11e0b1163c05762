//! Benchmarks of the deterministic engine: resolving scenario files and projecting them.
//!
//! Run with `cargo bench --bench engine`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscalsim::model::{Model, project};
use fiscalsim::scenario::{self, Override};

fn benches(c: &mut Criterion) {
    let flagship = Path::new("scenarios/kazakhstan-2026-2028.toml");
    let long = Path::new("scenarios/kazakhstan-2026-2040.toml");
    let to_2055: Vec<Override> = vec!["end_year=2055".parse().expect("valid override")];
    c.bench_function("resolve flagship (file, extends none)", |b| {
        b.iter(|| scenario::load(black_box(flagship), &[]).expect("resolves"))
    });
    c.bench_function("resolve 2026-2055 (extends + --set)", |b| {
        b.iter(|| scenario::load(black_box(long), &to_2055).expect("resolves"))
    });
    let sc = scenario::load(long, &to_2055).expect("resolves");
    c.bench_function("project 2026-2055 (compile + 30 steps)", |b| {
        b.iter(|| project(black_box(&sc)).expect("projects"))
    });
    let model = Model::new(&sc);
    c.bench_function("simulate 2026-2055 (30 steps, compiled)", |b| {
        b.iter(|| black_box(&model).simulate(|_| [0.0; fiscalsim::scenario::N_SHOCKS]))
    });
}

criterion_group!(engine, benches);
criterion_main!(engine);
