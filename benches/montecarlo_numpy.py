#!/usr/bin/env python3
"""A straightforward vectorised numpy version of MODEL.md's Monte Carlo, for comparison
with `fiscalsim run --draws N` (speed, and the statistics within Monte Carlo error; the
random numbers differ, so the numbers agree only statistically).

    fiscalsim resolve scenarios/kazakhstan-2026-2040.toml --set end_year=2055 > sc.json
    /usr/bin/time -v python3 benches/montecarlo_numpy.py sc.json 1000000 > numpy.csv

It also checks that fiscalsim's quantiles are numpy's, bit for bit, on the same samples:

    fiscalsim run FILE --draws 5000 --samples-out s.csv --samples-draws 5000 \
        --samples-vars all --out summary.csv
    python3 benches/montecarlo_numpy.py --check s.csv summary.csv
"""

import csv
import json
import sys

import numpy as np

OUTPUTS = [
    "gdp_real", "gdp_nominal", "gdp_usd", "real_growth", "potential_growth", "output_gap",
    "inflation", "commodity_price", "exchange_rate", "interest_rate", "revenue",
    "commodity_revenue", "growth_spending", "other_spending", "interest",
    "primary_balance", "overall_balance", "debt", "public_capital", "revenue_gdp",
    "growth_spending_gdp", "primary_balance_gdp", "overall_balance_gdp", "debt_gdp",
]


def cholesky_psd(s):
    n = len(s)
    l = np.zeros((n, n))
    scale = max(s[i][i] for i in range(n))
    for j in range(n):
        d = s[j][j] - sum(l[j][k] ** 2 for k in range(j))
        if d <= 1e-14 * max(scale, 1e-300):
            continue
        l[j][j] = d ** 0.5
        for i in range(j + 1, n):
            l[i][j] = (s[i][j] - sum(l[i][k] * l[j][k] for k in range(j))) / l[j][j]
    return l


def simulate(sc, draws, seed):
    rng = np.random.default_rng(seed)
    ini, b, p, st, sh = sc["initial"], sc["baseline"], sc["policy"], sc["structure"], sc["shocks"]
    T = len(sc["years"])
    # Version 1's six shocks (the resolved shape has seven since model version 2; a
    # version-1 scenario's seventh has sd 0).
    sd = np.array(sh["sd"])[:6]
    if len(sh["sd"]) > 6 and sh["sd"][6] != 0:
        sys.exit("the numpy reference is model version 1: the seventh shock must have sd 0")
    cov = np.outer(sd, sd) * np.array(sh["correlation"])[:6, :6]
    L = cholesky_psd(cov)
    A = np.array(sh["persistence"])[:6, :6]
    dof = sh["dof"] if sh["distribution"] == "student_t" else None
    s0, tau0 = ini["growth_spending_gdp"], ini["revenue_gdp"]

    def prev(v, t, v0):
        return v0 if t == 0 else v[t - 1]

    def run(s_path, tau_path, u_of, kref, n):
        y0 = ini["gdp_nominal"]
        ypot = np.full(n, y0 / (1 + ini["output_gap"]))
        y = np.full(n, y0)
        pr = np.ones(n)
        nom = np.full(n, y0)
        k = np.full(n, ini["public_capital_gdp"] * y0)
        d = np.full(n, ini["debt_gdp"] * y0)
        gap = np.full(n, ini["output_gap"])
        x1 = np.zeros(n)
        x2 = np.zeros(n)
        e_prev = np.full(n, ini["exchange_rate"])
        for t in range(T):
            u = u_of(t)
            gpot = b["real_growth"][t] + st["public_capital_elasticity"] * (x1 - x2) + u[0]
            ypot = ypot * (1 + gpot)
            gap = (st["gap_persistence"] * gap
                   + st["spending_multiplier"] * ((s_path[t] - prev(s_path, t, s0))
                                                  - (b["growth_spending_gdp"][t] - prev(b["growth_spending_gdp"], t, s0)))
                   - st["revenue_multiplier"] * ((tau_path[t] - prev(tau_path, t, tau0))
                                                 - (b["revenue_gdp"][t] - prev(b["revenue_gdp"], t, tau0)))
                   + u[1])
            y_new = ypot * (1 + gap)
            g = y_new / y - 1
            y = y_new
            pi = b["inflation"][t] + u[2]
            pr = pr * (1 + pi)
            n_new = y * pr
            oil, fx = np.exp(u[3]), np.exp(u[5])
            price = b["commodity_price"][t] * oil
            e = b["exchange_rate"][t] * fx
            rel = oil * fx if st["commodity_revenue_elasticity"] == 1.0 else np.exp(
                st["commodity_revenue_elasticity"] * (u[3] + u[5]))
            crev = n_new * p["commodity_revenue_gdp"][t] * rel
            rev = n_new * tau_path[t] + crev
            gs = s_path[t] * n_new
            os_ = p["other_spending_gdp"][t] * n_new
            k = (1 - st["depreciation"]) * k + st["capital_share"] * st["efficiency"] * gs / pr
            x = np.log(k / kref[t]) if kref is not None else np.zeros(n)
            i = b["interest_rate"][t] + st["debt_premium"] * np.maximum(0, d / nom - st["debt_threshold"]) + u[4]
            interest = i * d
            reval = st["fx_debt_share"] * d * (e / e_prev - 1)
            pb = rev - gs - os_
            ob = pb - interest
            d = d + interest - pb + reval + p["other_flows_gdp"][t] * n_new
            nom = n_new
            x2, x1 = x1, x
            e_prev = e
            yield t, [y, nom, nom / e, g, gpot, gap, pi, price, e, i, rev, crev, gs, os_,
                      interest, pb, ob, d, k, rev / nom, gs / nom, pb / nom, ob / nom, d / nom]

    zero = [np.zeros(1)] * 6
    kref = [None] * T
    for t, vals in run(b["growth_spending_gdp"], b["revenue_gdp"], lambda t: zero, None, 1):
        kref[t] = vals[18][0]
    state = {"u": np.zeros((6, draws))}

    def u_of(t):
        z = rng.standard_normal((6, draws))
        if dof is not None:
            z = z * np.sqrt((dof - 2) / rng.chisquare(dof, draws))
        state["u"] = A @ state["u"] + L @ z
        return state["u"]

    qs = sc["montecarlo"]["quantiles"]
    w = csv.writer(sys.stdout)
    w.writerow(["scenario", "year", "variable", "mean", "sd"] + [f"p{round(q * 100):02d}" for q in qs])
    for t, vals in run(p["growth_spending_gdp"], p["revenue_gdp"], u_of, kref, draws):
        for name, v in zip(OUTPUTS, vals):
            qv = np.quantile(v, qs)
            w.writerow([sc["name"], sc["years"][t], name, repr(float(v.mean())),
                        repr(float(v.std(ddof=1)))] + [repr(float(x)) for x in qv])


def check(samples_path, summary_path):
    with open(samples_path) as f:
        rows = list(csv.DictReader(f))
    with open(summary_path) as f:
        summary = list(csv.DictReader(f))
    qcols = [c for c in summary[0].keys() if c.startswith("p")]
    checked = 0
    for srow in summary:
        vals = np.array([float(r[srow["variable"]]) for r in rows if r["year"] == srow["year"]])
        qs = [float(c[1:]) / 100 for c in qcols]
        want = np.quantile(vals, qs)
        for c, w_ in zip(qcols, want):
            if float(srow[c]) != float(w_):
                sys.exit(f"{srow['year']} {srow['variable']} {c}: fiscalsim {srow[c]} numpy {w_!r}")
            checked += 1
        if abs(float(srow["mean"]) - vals.mean()) > 1e-12 * max(1.0, abs(vals.mean())):
            sys.exit(f"{srow['year']} {srow['variable']} mean differs")
        if abs(float(srow["sd"]) - vals.std(ddof=1)) > 1e-9 * max(1.0, abs(vals.std(ddof=1))):
            sys.exit(f"{srow['year']} {srow['variable']} sd differs")
    print(f"all {checked} quantiles equal numpy.quantile bit for bit; means and sds agree")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    else:
        with open(sys.argv[1]) as f:
            scenario = json.load(f)
        simulate(scenario, int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
