//! Benchmarks of fiscalsim's portable exp and ln (`fiscalsim::testing`) against the
//! platform's libm: an element-wise loop over 1M values (the shape the Monte Carlo lanes
//! compile to).
//!
//! Run with
//! `cargo bench --features bench --bench mathfn -- --warm-up-time 1 --measurement-time 3`,
//! and with `RUSTFLAGS="-C target-cpu=native"` to let LLVM use AVX2 / AVX-512 in these
//! loops (the Monte Carlo kernels choose their instruction set at run time instead).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fiscalsim::testing as mathfn;

const N: usize = 1 << 20;

/// Deterministic inputs in [lo, hi) (SplitMix64).
fn inputs(seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed;
    (0..N)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn map(out: &mut [f64], x: &[f64], f: impl Fn(f64) -> f64) {
    for (o, &x) in out.iter_mut().zip(x) {
        *o = f(x);
    }
}

fn mathfn_benches(c: &mut Criterion) {
    let xe = inputs(1, -30.0, 30.0);
    let xl: Vec<f64> = inputs(2, -690.0, 690.0).iter().map(|x| x.exp()).collect();
    let mut out = vec![0.0; N];

    let mut g = c.benchmark_group("exp 1M");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("libm", |b| {
        b.iter(|| map(&mut out, black_box(&xe), f64::exp))
    });
    g.bench_function("mathfn", |b| {
        b.iter(|| map(&mut out, black_box(&xe), mathfn::exp))
    });
    g.finish();

    let mut g = c.benchmark_group("ln 1M");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("libm", |b| {
        b.iter(|| map(&mut out, black_box(&xl), f64::ln))
    });
    g.bench_function("mathfn", |b| {
        b.iter(|| map(&mut out, black_box(&xl), mathfn::ln))
    });
    g.finish();
}

criterion_group!(benches, mathfn_benches);
criterion_main!(benches);
