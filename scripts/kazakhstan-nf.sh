#!/usr/bin/env bash
# Regenerates every figure and table of docs/kazakhstan.md from the shipped scenarios.
#
#   scripts/kazakhstan-nf.sh                      # builds and runs `cargo run --release --`
#   scripts/kazakhstan-nf.sh target/release/fiscalsim   # or a given fiscalsim binary
#
# Writes docs/kazakhstan/*.svg (fan charts, stress panel, fund under each rule) and
# docs/kazakhstan/*.md / *.csv (the tables the page includes). Needs bash and awk only.
# Monte Carlo: 10,000 draws, the scenarios' seed (results are the same on any machine).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
  FS=("$1")
else
  cargo build --release --quiet
  FS=(cargo run --release --quiet --)
fi
fs() { "${FS[@]}" "$@"; }

OUT=docs/kazakhstan
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

FLAG=scenarios/kazakhstan-nf-2026-2028.toml
LONG=scenarios/kazakhstan-nf-2026-2040.toml
DRAWS=10000
# The floor: external public and quasi-public debt may not exceed 75 % of the fund's
# foreign-currency assets (kz.kursiv.media, 6 Jan 2023). External debt at the end-2026
# ceilings: quasi-public 15.07 trn (Kazinform) + a quarter of the 39.30 trn government
# debt ceiling (the scenarios' fx_debt_share) = 24.9 trn; / 0.75 = 33.2 trn = 18 % of 2026
# GDP (184 trn), held as a share of GDP.
FLOOR=0.18
YEAR=2035

# col FILE NAME...: prints the named columns of a CSV (no quoted commas), comma-separated.
col() {
  local file=$1; shift
  awk -F, -v names="$*" 'NR == 1 { n = split(names, want, " ");
      for (i = 1; i <= NF; i++) idx[$i] = i; next }
    { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "," : "") $(idx[want[j]]);
      print line }' "$file"
}
pct() { awk -v x="$1" 'BEGIN { printf "%.1f", 100 * x }'; }

echo "1/6 fan charts of gross debt, net debt and fund assets, 2026-2040 ($DRAWS draws)" >&2
fs run "$LONG" --draws "$DRAWS" --out "$TMP/fan.csv"
for v in debt_gdp net_debt_gdp fund_assets_gdp; do
  fs chart fan "$TMP/fan.csv" --variable "$v" --deterministic "$LONG" --out "$OUT/fan-$v.svg"
done
{
  echo "| year | variable | p10 | p50 | p90 | deterministic |"
  echo "|---|---|---:|---:|---:|---:|"
  fs run "$LONG" --out "$TMP/long.csv"
  for y in 2028 2030 2035 2040; do
    for v in debt_gdp net_debt_gdp fund_assets_gdp; do
      det=$(awk -F, -v y="$y" 'NR > 1 && $2 == y' "$TMP/long.csv" | head -1 > "$TMP/row" ;
            { head -1 "$TMP/long.csv"; cat "$TMP/row"; } > "$TMP/one.csv"; col "$TMP/one.csv" "$v")
      awk -F, -v y="$y" -v v="$v" -v d="$det" '$2 == y && $3 == v {
        printf "| %s | %s | %.1f | %.1f | %.1f | %.1f |\n", y, v, 100*$7, 100*$9, 100*$11, 100*d }' \
        "$TMP/fan.csv"
    done
  done
} > "$OUT/fan-table.md"

echo "2/6 stress tests of the flagship" >&2
fs stress "$FLAG" --quiet --out "$TMP/stress.csv" --summary "$OUT/stress-summary.csv" \
  --chart "$OUT/stress-debt.svg"
col "$TMP/stress.csv" test year overall_balance_gdp debt_gdp fund_assets_gdp net_debt_gdp \
  real_growth > "$TMP/stress-cols.csv"
awk -F, '
  { key = $1 SUBSEP $2; ob[key] = $3; d[key] = $4; a[key] = $5; nd[key] = $6; g[key] = $7;
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END {
    print "| test | growth 2026 | balance 2026 | debt 2028 | fund 2028 | net debt 2028 | net debt vs baseline |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) { t = order[i]; k6 = t SUBSEP 2026; k8 = t SUBSEP 2028;
      printf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %+.1f |\n", t, 100*g[k6], 100*ob[k6],
        100*d[k8], 100*a[k8], 100*nd[k8], 100*(nd[k8] - nd["baseline" SUBSEP 2028]) } }
' "$TMP/stress-cols.csv" > "$OUT/stress-table.md"

echo "3/6 deterministic paths under each withdrawal rule" >&2
{
  echo "| scenario | transfer 2026 (trn) | debt 2028 | fund 2028 | net debt 2028 | brake cut 2027-28 (% GDP) | growth 2026-28 |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for s in nf-2026-2028 nf-cutoff nf-percent nf-transfer-cut nf-no-reform; do
    fs run "scenarios/kazakhstan-$s.toml" --set end_year=2028 --out "$TMP/$s.csv"
    col "$TMP/$s.csv" year fund_transfer debt_gdp fund_assets_gdp net_debt_gdp \
      rule_adjustment_gdp real_growth | awk -F, -v s="kazakhstan-$s" '
      { tr[$1] = $2; d[$1] = $3; a[$1] = $4; nd[$1] = $5; adj += $6; g += $7; n++ }
      END { printf "| %s | %.2f | %.1f | %.1f | %.1f | %.2f | %.2f |\n", s, tr[2026],
              100*d[2028], 100*a[2028], 100*nd[2028], 100*adj, 100*g/n }'
  done
} > "$OUT/rules-table.md"
for r in fixed cutoff percent; do
  fs run "$LONG" --set "fund.rule=$r" --set "name=$r" --out "$TMP/rule-$r.csv"
done
fs chart lines "$TMP/rule-fixed.csv" "$TMP/rule-cutoff.csv" "$TMP/rule-percent.csv" \
  --variable fund_assets_gdp --title "National Fund assets, % of GDP, by withdrawal rule" \
  --out "$OUT/fund-by-rule.svg"

echo "4/6 probability that the fund falls below $FLOOR of GDP, by rule" >&2
{
  echo "| rule | P(below $(pct $FLOOR) % of GDP in $YEAR) | P(below at any time 2026-$YEAR) |"
  echo "|---|---:|---:|"
  for r in fixed cutoff percent; do
    fs run "$LONG" --draws "$DRAWS" --set "fund.rule=$r" \
      --prob "fund_assets_gdp@$YEAR < $FLOOR" --prob "fund_assets_gdp@..$YEAR < $FLOOR" \
      --prob-out "$TMP/prob-$r.csv" --out /dev/null
    col "$TMP/prob-$r.csv" probability mc_se | awk -F, -v r="$r" '
      NR == 1 { p1 = $1; s1 = $2 } NR == 2 { p2 = $1; s2 = $2 }
      END { printf "| %s | %.1f %% (se %.1f) | %.1f %% (se %.1f) |\n", r, 100*p1, 100*s1,
              100*p2, 100*s2 }'
  done
} > "$OUT/floor-table.md"

echo "5/6 the cut-off price that keeps those probabilities at or below 10 % (solve)" >&2
for m in "@$YEAR" "@..$YEAR"; do
  fs solve "$LONG" --set fund.rule=cutoff --adjust fund.cutoff_price --within 1:60 \
    --target "prob(fund_assets_gdp$m < $FLOOR) <= 0.10" --draws "$DRAWS" \
    --out "$TMP/solve.csv" >> "$TMP/solve.txt" 2>&1
  awk 'NR > 1' "$TMP/solve.csv" >> "$TMP/solve-rows.csv"
done
{ head -1 "$TMP/solve.csv"; cat "$TMP/solve-rows.csv"; } > "$OUT/solve-cutoff.csv"
cp "$TMP/solve.txt" "$OUT/solve-cutoff.txt"
{
  echo "| target | result | cut-off price (USD) | probability there | at USD 1 / USD 60 |"
  echo "|---|---|---:|---:|---:|"
  col "$OUT/solve-cutoff.csv" target status value metric metric_lo metric_hi | awk -F, '
    { v = ($3 == "") ? "none in [1, 60]" : sprintf("%.1f", $3);
      m = ($4 == "") ? "" : sprintf("%.1f %%", 100 * $4);
      printf "| `%s` | %s | %s | %s | %.1f %% / %.1f %% |\n", $1, $2, v, m, 100*$5, 100*$6 }'
} > "$OUT/solve-table.md"

echo "6/6 growth dividend of the reform against the 5.3 % headline" >&2
# The long scenario with the no-reform policy of kazakhstan-nf-no-reform.toml (held after
# 2028), and with the reform's spending but without its revenue.
NOREFORM=(--set "policy.growth_spending_gdp={ 2026 = 0.01533, 2027 = 0.01435, 2028 = 0.01336 }"
  --set "policy.other_spending_gdp={ 2026 = 0.10997, 2027 = 0.10113, 2028 = 0.09293 }")
NOREVENUE=(--set "policy.revenue_gdp={ 2026 = 0.08513, 2027 = 0.09017, 2028 = 0.09026 }")
HIGH=(--set structure.public_capital_elasticity=0.10)
dividend_row() {
  local label=$1; shift
  fs run "$LONG" "$@" --out "$TMP/div.csv"
  col "$TMP/div.csv" year real_growth debt_gdp net_debt_gdp rule_adjustment_gdp | awk -F, \
    -v l="$label" '{ if ($1 <= 2028) { g3 += $2; n3++ } g += $2; n++; adj += $5;
      d = $3; nd = $4 }
    END { printf "| %s | %.3f | %.3f | %.1f | %.1f | %.2f |\n", l, 100*g3/n3, 100*g/n,
            100*d, 100*nd, 100*adj }'
}
{
  echo "| run (kazakhstan-nf-2026-2040) | mean growth 2026-2028 | mean growth 2026-2040 | debt 2040 | net debt 2040 | brake cuts 2026-2040 (sum, % of GDP) |"
  echo "|---|---:|---:|---:|---:|---:|"
  dividend_row "reform (the 5.3 % baseline)"
  dividend_row "no reform" "${NOREFORM[@]}" "${NOREVENUE[@]}"
  dividend_row "reform spending, no reform revenue" "${NOREVENUE[@]}"
  dividend_row "reform, theta = 0.10 (upper bound)" "${HIGH[@]}"
  dividend_row "no reform, theta = 0.10 (upper bound)" "${HIGH[@]}" "${NOREFORM[@]}" \
    "${NOREVENUE[@]}"
} > "$OUT/dividend-table.md"
# Put every table into the page, between its <!-- NAME --> and <!-- /NAME --> markers.
PAGE=docs/kazakhstan.md
for name in fan-table stress-table rules-table floor-table solve-table dividend-table; do
  awk -v name="$name" -v file="$OUT/$name.md" '
    $0 == "<!-- " name " -->" { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == "<!-- /" name " -->" { skip = 0 }
    !skip { print }' "$PAGE" > "$TMP/page"
  cat "$TMP/page" > "$PAGE"
done
echo "wrote $OUT/ and the tables of $PAGE" >&2
