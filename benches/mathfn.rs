//! Benchmarks of `fiscalsim::mathfn` against the platform's libm: an element-wise loop
//! over 1M values (the shape the Monte Carlo lanes compile to), and over `[f64; 8]` lanes.
//!
//! Run with `cargo bench --bench mathfn -- --warm-up-time 1 --measurement-time 3`, and with
//! `RUSTFLAGS="-C target-cpu=native"` to let LLVM use AVX2 / AVX-512.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fiscalsim::mathfn;

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

fn map2(s: &mut [f64], c: &mut [f64], t: &[f64], f: impl Fn(f64) -> (f64, f64)) {
    for ((s, c), &t) in s.iter_mut().zip(c.iter_mut()).zip(t) {
        (*s, *c) = f(t);
    }
}

/// Box–Muller (cosine branch) over lanes of 8 with libm.
#[inline(never)]
fn box_muller_libm(z: &mut [[f64; 8]], u1: &[[f64; 8]], u2: &[[f64; 8]]) {
    for ((z, a), t) in z.iter_mut().zip(u1).zip(u2) {
        for i in 0..8 {
            z[i] = (-2.0 * a[i].ln()).sqrt() * (std::f64::consts::TAU * t[i]).cos();
        }
    }
}

/// Box–Muller (cosine branch) over lanes of 8 with `mathfn`.
#[inline(never)]
fn box_muller_mathfn(z: &mut [[f64; 8]], u1: &[[f64; 8]], u2: &[[f64; 8]]) {
    for ((z, a), t) in z.iter_mut().zip(u1).zip(u2) {
        for i in 0..8 {
            z[i] = (-2.0 * mathfn::ln(a[i])).sqrt() * mathfn::sin_cos_turns(t[i]).1;
        }
    }
}

fn mathfn_benches(c: &mut Criterion) {
    let xe = inputs(1, -30.0, 30.0);
    let xl: Vec<f64> = inputs(2, -690.0, 690.0).iter().map(|x| x.exp()).collect();
    let xt = inputs(3, 0.0, 1.0);
    let mut out = vec![0.0; N];
    let mut out2 = vec![0.0; N];

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

    let mut g = c.benchmark_group("sin_cos 1M");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("libm (TAU t).sin_cos()", |b| {
        b.iter(|| {
            map2(&mut out, &mut out2, black_box(&xt), |t| {
                (std::f64::consts::TAU * t).sin_cos()
            })
        })
    });
    g.bench_function("mathfn sin_cos_turns", |b| {
        b.iter(|| map2(&mut out, &mut out2, black_box(&xt), mathfn::sin_cos_turns))
    });
    g.finish();

    // Box–Muller over lanes of 8, as the Monte Carlo engine would call it.
    let u1: Vec<[f64; 8]> = inputs(4, f64::EPSILON, 1.0)
        .chunks_exact(8)
        .map(|c| c.try_into().expect("8"))
        .collect();
    let u2: Vec<[f64; 8]> = xt
        .chunks_exact(8)
        .map(|c| c.try_into().expect("8"))
        .collect();
    let mut z = vec![[0.0; 8]; N / 8];
    let mut g = c.benchmark_group("box-muller lanes of 8, 1M");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("libm", |b| {
        b.iter(|| box_muller_libm(&mut z, black_box(&u1), black_box(&u2)))
    });
    g.bench_function("mathfn", |b| {
        b.iter(|| box_muller_mathfn(&mut z, black_box(&u1), black_box(&u2)))
    });
    g.finish();
}

criterion_group!(benches, mathfn_benches);
criterion_main!(benches);
