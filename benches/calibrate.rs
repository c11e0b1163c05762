//! Benchmarks of `fiscalsim calibrate`: the shipped Kazakhstan calibration end to end, and
//! a VAR(1) on a long synthetic sample.
//!
//! Run with `cargo bench --bench calibrate`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscalsim::calibrate::{self, History, Method, Options, var};

fn benches(c: &mut Criterion) {
    let h = History::read(Path::new("data/kazakhstan_macro_annual.csv")).expect("data");
    c.bench_function("calibrate shipped data (diagonal AR(1))", |b| {
        b.iter(|| calibrate::calibrate(black_box(&h), &Options::default()).expect("calibrates"))
    });
    let var_opts = Options {
        method: Method::Var,
        ..Options::default()
    };
    c.bench_function("calibrate shipped data (VAR(1))", |b| {
        b.iter(|| calibrate::calibrate(black_box(&h), &var_opts).expect("calibrates"))
    });
    // 10 000 years of a deterministic, stable, mixed series.
    let series: Vec<Vec<f64>> = (0..6)
        .map(|i| {
            let mut x = 0.0;
            (0..10_000)
                .map(|t| {
                    x = 0.5 * x + ((t * (i + 3) * 7919) % 1000) as f64 / 1000.0 - 0.5;
                    x
                })
                .collect()
        })
        .collect();
    let names = ["a", "b", "c", "d", "e", "f"];
    c.bench_function("VAR(1) least squares, 6 series x 10000 years", |b| {
        b.iter(|| var::estimate(black_box(&series), &names, Method::Var).expect("estimates"))
    });
}

criterion_group!(calibrate_benches, benches);
criterion_main!(calibrate_benches);
