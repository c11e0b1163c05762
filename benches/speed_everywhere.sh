#!/usr/bin/env bash
# Issue 19's figures on the machine this runs on: a million draws of the 2026-2055
# flagship with every vector kernel the CPU has (AVX2, AVX-512), interleaved round by
# round with the numpy reference, and, where `perf` is installed, how each kernel's CPU
# time splits between the simulation and the summaries, for model version 1 (the
# flagship) and version 2 (the `V2` settings of src/testing.rs: every version-2 feature).
#
#     bash benches/speed_everywhere.sh [DRAWS] [ROUNDS]      (defaults: 1000000 and 3)
#
# Needs: the Rust toolchain; python3 with numpy for the reference (`pip install numpy`;
# without it the numpy column is skipped); perf (Debian's linux-perf) for the split
# (without it the split is skipped). Prints the CPU, the kernels, then two tables.
# Wall times are medians of the rounds; "numpy / kernel" is the median over the rounds
# of the ratio within a round, so that a noisy host weighs on both sides alike.
# `BENCH=1` adds criterion's ns per draw-year of the shocks alone, the simulation without
# statistics and the end to end run (100,000 draws, benches/montecarlo.rs) per kernel.
# `KERNELS="avx2"` measures only the kernels named (portable is measured only if named);
# `FISCALSIM_BIN=path` measures that binary instead of building the release one (CI runs
# the script so, on a debug build and a few draws, to keep it working).
set -euo pipefail
cd "$(dirname "$0")/.."

draws=${1:-1000000}
rounds=${2:-3}
case "$draws$rounds" in
  *[!0-9]*) echo "usage: bash benches/speed_everywhere.sh [DRAWS] [ROUNDS] (whole numbers)" >&2; exit 2 ;;
esac
if [ "$draws" -lt 1000 ] || [ "$rounds" -lt 1 ]; then
  echo "DRAWS must be at least 1000 and ROUNDS at least 1" >&2
  exit 2
fi

# FISCALSIM_BIN: a fiscalsim binary to measure instead of building the release one.
if [ -n "${FISCALSIM_BIN:-}" ]; then
  bin=$FISCALSIM_BIN
else
  cargo build --release --locked --quiet
  bin=target/release/fiscalsim
fi
[ -x "$bin" ] || { echo "FISCALSIM_BIN=$bin: not an executable file" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scenario=scenarios/kazakhstan-2026-2040.toml
v1=(--set end_year=2055)
# The version-2 settings, read from their one definition (src/testing.rs, `V2`).
v2=()
while read -r kv; do v2+=(--set "$kv"); done < <(
  sed -n '/pub const V2/,/\];/p' src/testing.rs | grep -o '"[^"]*"' | tr -d '"'
)
if [ "${#v2[@]}" -eq 0 ]; then
  echo "could not read the V2 settings from src/testing.rs" >&2
  exit 1
fi

available=$("$bin" --version | sed -n 's/.*this CPU can run: \(.*\))$/\1/p' | tr -d ,)
kernels=${KERNELS:-$(echo "$available" | tr ' ' '\n' | { grep -v '^portable$' || true; } | tr '\n' ' ')}
[ -n "${kernels// /}" ] || kernels=portable
for k in $kernels; do
  case " $available " in
    *" $k "*) ;;
    *) echo "KERNELS names $k; this CPU can run: $available" >&2; exit 2 ;;
  esac
done
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
echo "CPU: ${cpu:-unknown}, $(nproc) cores; kernels this CPU can run: $available"
echo "draws: $draws, rounds: $rounds, years 2026-2055"

numpy=0
if python3 -c 'import numpy' 2>/dev/null; then
  numpy=1
  "$bin" resolve "$scenario" "${v1[@]}" > "$work/sc.json"
else
  echo "numpy not found (pip install numpy): the numpy column is skipped"
fi

# Milliseconds of wall time of a command (its output discarded; a failure stops the script).
ms() {
  local start end
  start=$(date +%s%N)
  "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; echo "failed: $*" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

# The measured run: kernel, version (v1 or v2), then a command to run it under, if any
# (perf record).
run() {
  local k=$1 v=$2 args=("${v1[@]}")
  shift 2
  [ "$v" = v2 ] && args=("${v2[@]}")
  FISCALSIM_KERNEL=$k "$@" "$bin" run "$scenario" "${args[@]}" --draws "$draws" --seed 1 \
    --out "$work/out.csv"
}

: > "$work/times"
for r in $(seq "$rounds"); do
  if [ "$numpy" = 1 ]; then
    echo "$r numpy v1 $(ms python3 benches/montecarlo_numpy.py "$work/sc.json" "$draws")" >> "$work/times"
  fi
  for k in $kernels; do
    for v in v1 v2; do
      echo "$r $k $v $(ms run "$k" "$v")" >> "$work/times"
    done
  done
done

echo
echo "| kernel | version | wall (median of $rounds) | ns of wall per draw-year | numpy / kernel (per-round median) |"
echo "|---|---|---|---|---|"
awk -v numpy="$numpy" -v draws="$draws" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { t[$2 " " $3, $1] = $4; if (!(($2 " " $3) in seen)) { seen[$2 " " $3] = 1; order[++m] = $2 " " $3 } ; if ($1 > rounds) rounds = $1 }
  END {
    for (i = 1; i <= m; i++) {
      split(order[i], kv, " "); n = 0; nr = 0
      for (r = 1; r <= rounds; r++) {
        w[++n] = t[order[i], r]
        if (numpy && kv[2] == "v1" && kv[1] != "numpy") ratio[++nr] = t["numpy v1", r] / t[order[i], r]
      }
      x = (nr ? sprintf("%.1f", median(ratio, nr)) : "-")
      # 30 years (2026-2055).
      printf "| %s | %s | %.2f s | %.0f | %s |\n", kv[1], kv[2], median(w, n) / 1000, median(w, n) * 1e6 / (draws * 30), x
    }
  }' "$work/times"

if [ "${BENCH:-0}" = 1 ]; then
  echo
  echo "Criterion, 100,000 draws x 30 years (benches/montecarlo.rs; one thread, but end to end"
  echo "on every core; v2: the V2 settings):"
  echo
  echo "| kernel | benchmark | time | ns per draw-year |"
  echo "|---|---|---|---|"
  for k in $kernels; do
    FISCALSIM_KERNEL=$k cargo bench --quiet --locked --features bench --bench montecarlo -- \
      "shocks only in lanes|simulate in blocks|end to end" --warm-up-time 0.5 \
      --measurement-time 2 2> "$work/err" |
      awk -v k="$k" '
        /montecarlo 100k/ { name = $0; sub(/.*years\//, "", name); sub(/ *time:.*/, "", name) }
        /time:/ {
          split($0, p, "[][]"); split(p[2], t, " ")
          ms = t[3] * (t[4] == "s" ? 1000 : t[4] == "ms" ? 1 : t[4] == "µs" ? 0.001 : 0)
          printf "| %s | %s | %.1f ms | %.1f |\n", k, name, ms, ms * 1e6 / 3e6
        }' || { cat "$work/err" >&2; echo "failed: cargo bench (FISCALSIM_KERNEL=$k)" >&2; exit 1; }
  done
fi

if ! command -v perf > /dev/null || ! perf record -o "$work/probe.data" true > /dev/null 2>&1; then
  echo
  echo "perf not found or not allowed: the split between simulation and summaries is skipped"
  exit 0
fi
echo
echo "Where the CPU time goes (perf samples of one run; the driver's loop, simulate_chunk,"
echo "counts as neither):"
echo
echo "| kernel | version | simulation | summaries | driver | summaries / simulation |"
echo "|---|---|---|---|---|---|"
for k in $kernels; do
  for v in v1 v2; do
    ms run "$k" "$v" perf record -q -F 999 -o "$work/perf.data" > /dev/null
    perf report -i "$work/perf.data" --no-children --sort symbol -F sample,symbol 2> /dev/null |
      awk -v k="$k" -v v="$v" '
        /^#/ || NF < 2 || $1 !~ /^[0-9]+$/ { next }
        /simulate_chunk/ { d += $1; next }
        /Block::advance|Block::new|ziggurat|StreamLanes|stream::/ { s += $1; next }
        /windows::|pages::|summarize::|tally|refine|select|by_window|cut|slots/ { u += $1; next }
        END { printf "| %s | %s | %d | %d | %d | %.2f |\n", k, v, s, u, d, (s ? u / s : 0) }'
  done
done
