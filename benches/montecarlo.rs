//! Benchmarks of Monte Carlo runs on the 2026-2055 Kazakhstan scenario
//! (`scenarios/kazakhstan-2026-2040.toml` with `end_year = 2055`, the six shocks of model
//! version 1), and on the same scenario with model version 2's fund, both rules, debt
//! maturity, cyclical revenue, the oil channel and the seventh shock (`v2`).
//!
//! Run briefly with
//! `cargo bench --features bench --bench montecarlo -- --warm-up-time 1 --measurement-time 3`;
//! the lanes run with the best kernel the CPU has, or the one `FISCALSIM_KERNEL` names
//! (`portable`, `avx2`, `avx512`).
//! Each benchmark is 100,000 draws x 30 years = 3,000,000 draw-years (divide the time by
//! 3e6 for ns per draw-year); the full 1,000,000-draw workload is measured with the CLI
//! (see docs/montecarlo.md).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscalsim::montecarlo::{ShockProcess, draw_rng, shocks_only, summarize_run};
use fiscalsim::scenario::{self, N_SHOCKS, Override, Scenario};
use fiscalsim::shocks::next_state;
use fiscalsim::testing::{BLOCK, Block, Engine, Outputs, V2, for_each_year, summarize};

const DRAWS: u64 = 100_000;

/// The column of debt/GDP.
const DEBT_GDP: usize = 23;

fn scenario_2055(version2: bool) -> Scenario {
    let mut sets: Vec<Override> = vec!["end_year=2055".parse().expect("valid override")];
    if version2 {
        sets = V2
            .iter()
            .map(|s| s.parse().expect("valid override"))
            .collect();
    }
    scenario::load(Path::new("scenarios/kazakhstan-2026-2040.toml"), &sets)
        .expect("the Kazakhstan scenario resolves")
}

fn benches(c: &mut Criterion) {
    let sc = scenario_2055(false);
    let years = sc.horizon();
    let process = ShockProcess::new(&sc);
    let mut g = c.benchmark_group("montecarlo 100k draws x 30 years");
    g.sample_size(10);
    g.bench_function("shocks only (the floor: 6 normals + AR step)", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for j in 0..DRAWS {
                let mut rng = draw_rng(1, j, 0);
                let mut u = [0.0; N_SHOCKS];
                for _ in 0..years {
                    let z = process.draw_z(&mut rng);
                    u = next_state(&process.a_nz, &process.l_nz, &u, &z);
                }
                acc += u[0];
            }
            black_box(acc)
        })
    });
    g.bench_function("shocks only in lanes (8 draws at once)", |b| {
        b.iter(|| black_box(shocks_only(&process, DRAWS, years)))
    });
    let engine = Engine::new(&sc, 1);
    g.bench_function("simulate in blocks (no statistics)", |b| {
        b.iter(|| {
            let mut out = Outputs::new();
            let mut acc = 0.0;
            for first in (0..DRAWS).step_by(BLOCK) {
                let mut block = Block::new(&engine, first, BLOCK);
                for t in 0..years {
                    block.advance(&engine, t, &mut out);
                }
                acc += out.v[0][DEBT_GDP].0[0];
            }
            black_box(acc)
        })
    });
    g.bench_function("end to end (simulate + 37 x 30 summaries)", |b| {
        b.iter(|| summarize_run(&sc, DRAWS, 1, &sc.montecarlo.quantiles, |_| {}).expect("runs"))
    });
    let v2 = scenario_2055(true);
    let engine2 = Engine::new(&v2, 1);
    g.bench_function("v2: simulate in blocks (no statistics)", |b| {
        b.iter(|| {
            let mut out = Outputs::new();
            let mut acc = 0.0;
            for first in (0..DRAWS).step_by(BLOCK) {
                let mut block = Block::new(&engine2, first, BLOCK);
                for t in 0..years {
                    block.advance(&engine2, t, &mut out);
                }
                acc += out.v[0][DEBT_GDP].0[0];
            }
            black_box(acc)
        })
    });
    g.bench_function("v2: end to end (simulate + 37 x 30 summaries)", |b| {
        b.iter(|| summarize_run(&v2, DRAWS, 1, &v2.montecarlo.quantiles, |_| {}).expect("runs"))
    });
    g.finish();

    // Statistics alone: one column of a million draws (debt/GDP in 2055).
    let mut col = Vec::new();
    for_each_year(&sc, 1_000_000, 1, |yd| {
        if yd.index + 1 == years {
            col = yd.columns[DEBT_GDP].clone();
        }
        Ok(())
    })
    .expect("runs");
    let qs = sc.montecarlo.quantiles.clone();
    let mut g = c.benchmark_group("statistics of 1M values");
    g.sample_size(10);
    g.bench_function("mean, sd, 7 exact quantiles (summarize)", |b| {
        b.iter(|| summarize(black_box(&col), &qs))
    });
    g.bench_function("the same by sorting (reference)", |b| {
        b.iter(|| {
            let mut v = col.clone();
            v.sort_unstable_by(f64::total_cmp);
            black_box(v[v.len() / 2])
        })
    });
    g.finish();
}

criterion_group!(montecarlo, benches);
criterion_main!(montecarlo);
