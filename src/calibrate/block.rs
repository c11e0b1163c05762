//! The `[shocks]` block as written: TOML, headed by comments that make it reproducible
//! and reviewable (command, data, window, mappings, estimates with standard errors,
//! tails, warnings).

use std::fmt::Write as _;

use super::{Calibration, Method, Split};
use crate::output::format_number;
use crate::scenario::{N_SHOCKS, N_SHOCKS_V1, PRIMARY_BALANCE_SHOCK, SHOCK_NAMES};

impl Calibration {
    /// How many shocks the block lists: version 1's six when the seventh
    /// (`primary_balance`) has no data mapped, so that such a block reads as before.
    pub fn written_shocks(&self) -> usize {
        match self.sources[PRIMARY_BALANCE_SHOCK] {
            super::Source::None => N_SHOCKS_V1,
            _ => N_SHOCKS,
        }
    }

    /// The `[shocks]` block as TOML, headed by comments: the command that produced it
    /// (`command`), the data, window and mappings, the estimates with their standard
    /// errors, and every warning. Numbers are rounded (sd to 6 decimals, correlation and
    /// persistence to 4) and written in shortest form.
    pub fn to_toml(&self, command: &str) -> String {
        let mut s = String::new();
        self.write_header(&mut s, command);
        self.write_estimates(&mut s);
        self.write_correlations(&mut s);
        self.write_block(&mut s);
        s
    }

    /// The opening comments: version, command, data window, persistence method, the
    /// series mapped to each shock and how growth is split.
    fn write_header(&self, s: &mut String, command: &str) {
        let e = &self.estimate;
        let n = self.written_shocks();
        let (from, to) = self.window;
        let o = &self.options;
        let _ = writeln!(
            s,
            "# Shock process calibrated by fiscalsim {} from annual history.",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(s, "# Reproduce: {command}");
        let _ = writeln!(
            s,
            "# Data: {}, window {from}-{to} ({} years; {} regression observations, {} degrees of \
             freedom per equation)",
            self.source,
            to - from + 1,
            e.obs,
            e.dof
        );
        let _ = writeln!(
            s,
            "# Persistence: {}, u_t = A u_(t-1) + e_t without constant; spectral radius of the \
             estimate {:.4}",
            match e.method {
                Method::Diagonal => "diagonal AR(1), one least-squares regression per shock",
                Method::Var => "full VAR(1) by least squares",
            },
            self.spectral_radius
        );
        let _ = writeln!(
            s,
            "# Shock series (fractions; commodity_price and exchange_rate in log changes):"
        );
        for (i, src) in self.sources.iter().enumerate().take(n) {
            let _ = writeln!(s, "#   {:<17} = {src}", SHOCK_NAMES[i]);
        }
        let so = &o.series;
        let _ = match so.split {
            Split::Hp => writeln!(
                s,
                "# Growth split: HP filter of log real GDP, lambda {}; demand = gap_t - {} \
                 * gap_(t-1)",
                format_number(so.hp_lambda),
                format_number(so.gap_persistence)
            ),
            Split::Share => writeln!(
                s,
                "# Growth split: fixed share, potential {} and demand {} of real growth",
                format_number(so.potential_share),
                format_number(1.0 - so.potential_share)
            ),
        };
    }

    /// The least-squares estimates: sd and own-lag persistence per shock, the local
    /// level when used, and the full VAR matrix A.
    fn write_estimates(&self, s: &mut String) {
        let e = &self.estimate;
        let n = self.written_shocks();
        let to = self.window.1;
        let o = &self.options;
        let _ = writeln!(s, "#");
        let _ = writeln!(
            s,
            "# Least-squares estimates (standard errors in parentheses):"
        );
        let _ = writeln!(
            s,
            "#   {:<17}  {:<22}  persistence (own lag)",
            "shock", "innovation sd"
        );
        for (r, &i) in self.active.iter().enumerate() {
            let _ = writeln!(
                s,
                "#   {:<17}  {:<22}  {:.4} ({:.4})",
                SHOCK_NAMES[i],
                format!("{:.6} ({:.6})", e.sd[r], e.sd_se[r]),
                e.persistence[(r, r)],
                e.persistence_se[(r, r)]
            );
        }
        for i in (0..n).filter(|i| !self.active.contains(i)) {
            let _ = writeln!(s, "#   {:<17}  switched off (sd 0)", SHOCK_NAMES[i]);
        }
        if let Some(l) = &self.level {
            let _ = writeln!(
                s,
                "# potential_growth is a local level (--potential local-level): real growth =\n\
                 #   level + noise, the level a random walk. From the {} changes in real \
                 growth in\n\
                 #   {}-{} (variance {:.3e}, first autocovariance {:.3e}), by the method \
                 of moments:\n\
                 #   level innovation sd {:.6}, noise sd {:.6}. Persistence set to {}\n\
                 #   (--level-persistence); correlations those of the HP series' innovations.",
                l.n,
                to - l.n as i32,
                to,
                l.gamma0,
                l.gamma1,
                l.sd_level,
                l.sd_noise,
                format_number(o.level_persistence)
            );
        }
        if !self.random_walks.is_empty() {
            let names: Vec<&str> = self.random_walks.iter().map(|i| SHOCK_NAMES[*i]).collect();
            let _ = writeln!(
                s,
                "# {} read as random walks of the log level (--prices random-walk):\n\
                 #   innovation sd that of the log changes (sum x^2 / (n - 1)), persistence {}\n\
                 #   (--price-persistence); correlations those of the AR(1) innovations.",
                names.join(" and "),
                format_number(o.price_persistence)
            );
        }
        if e.method == Method::Var {
            let _ = writeln!(
                s,
                "# A (row = equation, column = lag), estimate (standard error):"
            );
            for (r, &i) in self.active.iter().enumerate() {
                let cells: Vec<String> = (0..self.active.len())
                    .map(|c| {
                        format!(
                            "{:>8.4} ({:.4})",
                            e.persistence[(r, c)],
                            e.persistence_se[(r, c)]
                        )
                    })
                    .collect();
                let _ = writeln!(s, "#   {:<17} {}", SHOCK_NAMES[i], cells.join(" "));
            }
        }
    }

    /// The innovation correlations with standard errors, the tails and the warnings.
    fn write_correlations(&self, s: &mut String) {
        let e = &self.estimate;
        let _ = writeln!(
            s,
            "# Innovation correlations, estimate (standard error (1 - r^2)/sqrt(T)):"
        );
        for (r, &i) in self.active.iter().enumerate() {
            let cells: Vec<String> = (0..r)
                .map(|c| {
                    format!(
                        "{:>7.4} ({:.4})",
                        e.correlation[(r, c)],
                        e.correlation_se[(r, c)]
                    )
                })
                .collect();
            if !cells.is_empty() {
                let _ = writeln!(s, "#   {:<17} {}", SHOCK_NAMES[i], cells.join(" "));
            }
        }
        let _ = writeln!(
            s,
            "#   (columns in the order {})",
            self.active
                .iter()
                .map(|i| SHOCK_NAMES[*i])
                .collect::<Vec<_>>()
                .join(", ")
        );
        let kurt: Vec<String> = self
            .active
            .iter()
            .zip(&e.excess_kurtosis)
            .map(|(i, k)| format!("{} {k:.2}", SHOCK_NAMES[*i]))
            .collect();
        let (pooled, dof) = e.student_t_dof();
        let _ = writeln!(
            s,
            "# Tails: excess kurtosis of the innovations {}; mean {pooled:.2}{}",
            kurt.join(", "),
            match dof {
                Some(d) =>
                    format!(", matched by a Student t with dof = 4 + 6 / {pooled:.2} = {d:.1}"),
                None => ", no excess: the normal fits".into(),
            }
        );
        if self.warnings.is_empty() {
            let _ = writeln!(s, "# Warnings: none.");
        } else {
            let _ = writeln!(s, "# Warnings (fixes applied to the block below):");
            for w in &self.warnings {
                let _ = writeln!(s, "#   - {w}");
            }
        }
    }

    /// How to use the block, then the `[shocks]` TOML itself.
    fn write_block(&self, s: &mut String) {
        let e = &self.estimate;
        let n = self.written_shocks();
        let _ = writeln!(s, "#");
        let _ = writeln!(
            s,
            "# Use it from a scenario with `extends = \"<this file>\"` (a child may still set"
        );
        let _ = writeln!(
            s,
            "# `distribution = \"student_t\"` and `dof`), or paste the block."
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "[shocks]");
        let _ = writeln!(s, "# {}", SHOCK_NAMES[..n].join(", "));
        let _ = writeln!(s, "sd = [{}]", join(&self.shocks.sd[..n]));
        let _ = writeln!(s, "correlation = [");
        for row in &self.shocks.correlation[..n] {
            let _ = writeln!(s, "    [{}],", join(&row[..n]));
        }
        let _ = writeln!(s, "]");
        if let Some(dof) = self.shocks.dof {
            let _ = writeln!(s, "distribution = \"student_t\"");
            let _ = writeln!(s, "dof = {}", format_number(dof));
        }
        match e.method {
            Method::Diagonal => {
                let d: Vec<f64> = (0..n).map(|i| self.shocks.persistence[i][i]).collect();
                let _ = writeln!(s, "persistence = [{}]", join(&d));
            }
            Method::Var => {
                let _ = writeln!(s, "persistence = [");
                for row in &self.shocks.persistence[..n] {
                    let _ = writeln!(s, "    [{}],", join(&row[..n]));
                }
                let _ = writeln!(s, "]");
            }
        }
    }
}

fn join(v: &[f64]) -> String {
    v.iter()
        .map(|x| format_number(*x))
        .collect::<Vec<_>>()
        .join(", ")
}
