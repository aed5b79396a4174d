#!/usr/bin/env bash
# Benchmark harness: builds Release, generates deterministic inputs into bench/data/ (gitignored), runs every
# scenario RUNS times (default 5) and writes the medians into the results table of bench/README.md.
#   bench/run.sh              all scenarios (needs ~1.5 GB free disk for the 1 GB input and its output)
#   RUNS=3 bench/run.sh quick  skips the 1 GB file
#   BENCH_CLI=/tmp/ret-base/src/Ret.Cli/bin/Release/net10.0/ret-cli.dll BENCH_NO_README=1 bench/run.sh quick
#                              same scenarios through another (JIT) build (a same-session baseline); the table goes to
#                              bench/out/table.md only
#   BENCH_JIT=1 bench/run.sh   through the JIT build (dotnet ret-cli.dll) instead of the shipped native binary
# By default the scenarios run the CLI as it ships: the native AOT binary of ./ret publish-cli (docs/decisions/0108).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
MODE=${1:-full}
DATA=$ROOT/bench/data
OUT=$ROOT/bench/out
mkdir -p "$DATA" "$OUT"

dotnet build -c Release -v q -nologo src/Ret.Cli/Ret.Cli.csproj >/dev/null
dotnet build -c Release -v q -nologo bench/Ret.Bench/Ret.Bench.csproj >/dev/null
if [ -n "${BENCH_CLI:-}" ] || [ -n "${BENCH_JIT:-}" ]; then
  CLI="dotnet ${BENCH_CLI:-$ROOT/src/Ret.Cli/bin/Release/net10.0/ret-cli.dll}"
  CLI_KIND="JIT build (\`dotnet ret-cli.dll\`)"
else
  "$ROOT/ret" publish-cli "$ROOT/.build/cli-native" >&2
  CLI="$ROOT/.build/cli-native/ret-cli"
  CLI_KIND="native AOT binary (\`./ret publish-cli\`)"
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH="dotnet $ROOT/bench/Ret.Bench/bin/Release/net10.0/ret-bench.dll"

if [ "$MODE" = quick ]; then $BENCH generate "$DATA" --skip-big; else $BENCH generate "$DATA"; fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

RESULTS=$OUT/results.tsv
: > "$RESULTS"

# run NAME MEGABYTES COMMAND... : RUNS timed runs; records median wall seconds, median peak RSS (MB) and,
# when the command wrote a manifest, the median engine seconds (scan+convert inside the process).
run() {
  local name=$1 mb=$2; shift 2
  local times=() rss=() engine=()
  for i in $(seq "$RUNS"); do
    rm -rf "$OUT/$name"
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null
    read -r t m < "$OUT/time.txt"
    times+=("$t"); rss+=("$m")
    if [ -f "$OUT/$name/manifest.json" ]; then
      engine+=("$(grep -o '"totalSeconds": [0-9.]*' "$OUT/$name/manifest.json" | awk '{print $2}')")
    fi
  done
  local t m e=""
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  [ ${#engine[@]} -gt 0 ] && e=$(printf '%s\n' "${engine[@]}" | median)
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$mb" "$t" "$m" "$e" >> "$RESULTS"
  printf '%-14s %8s MB  wall %6ss  rss %6s KB  engine %ss\n' "$name" "$mb" "$t" "$m" "$e"
}

size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN {printf "%.1f", b/1e6}'; }
FLAT=$(size_mb "$DATA/flat.xml")
NESTED=$(size_mb "$DATA/nested.xml")
MANY=208.2 # inflated size of many.zip (printed by the generator; the zip itself is ~42 MB)

run flat-csv     "$FLAT"   $CLI convert "$DATA/flat.xml" -o "$OUT/flat-csv" --threads 1 --quiet
run flat-dom     "$FLAT"   $BENCH dom-baseline "$DATA/flat.xml" "$OUT/flat-dom"
run nested-csv   "$NESTED" $CLI convert "$DATA/nested.xml" -o "$OUT/nested-csv" --threads 1 --quiet
run nested-xlsx  "$NESTED" $CLI convert "$DATA/nested.xml" -o "$OUT/nested-xlsx" --threads 1 --format xlsx --quiet
run nested-rel   "$NESTED" $CLI convert "$DATA/nested.xml" -o "$OUT/nested-rel" --threads 1 --mode relational --quiet
run nested-dom   "$NESTED" $BENCH dom-baseline "$DATA/nested.xml" "$OUT/nested-dom"
run many-1t      "$MANY"   $CLI convert "$DATA/many.zip" -o "$OUT/many-1t" --threads 1 --quiet
run many-2t      "$MANY"   $CLI convert "$DATA/many.zip" -o "$OUT/many-2t" --threads 2 --quiet
run scan-many    "$MANY"   $CLI scan "$DATA/many.zip"
if [ "$MODE" != quick ]; then
  run big-csv    "$(size_mb "$DATA/big.xml")" $CLI convert "$DATA/big.xml" -o "$OUT/big-csv" --threads 1 --quiet
fi
rm -rf "$OUT"/flat-* "$OUT"/nested-* "$OUT"/many-* "$OUT"/big-*

# Render the table into bench/README.md between the markers.
TABLE=$(awk -F'\t' -v runs="$RUNS" '
  function mbps(mb, s) { return s > 0 ? sprintf("%.0f", mb / s) : "–" }
  { wall[$1]=$3; rss[$1]=$4; eng[$1]=$5; mb[$1]=$2 }
  function row(name, what, target, verdict) {
    if (!(name in wall)) return
    e = eng[name] == "" ? "–" : mbps(mb[name], eng[name])
    printf "| %s | %s MB | %.2f s | %s | %s | %.0f MB | %s | %s |\n", what, mb[name], wall[name], mbps(mb[name], wall[name]), e, rss[name]/1024, target, verdict
  }
  END {
    print "| scenario | input | median wall | MB/s (process) | MB/s (engine) | peak RSS | target | met? |"
    print "|---|---|---|---|---|---|---|---|"
    f = mb["flat-csv"] / wall["flat-csv"]; fe = eng["flat-csv"] > 0 ? mb["flat-csv"] / eng["flat-csv"] : 0
    row("flat-csv", "flat library/book → CSV, 1 thread", "≥ 150 MB/s", (f >= 150 ? "yes" : (fe >= 150 ? "engine only" : "no")))
    row("flat-dom", "flat, DOM baseline (XDocument)", "baseline", "–")
    n = mb["nested-csv"] / wall["nested-csv"]; ne = eng["nested-csv"] > 0 ? mb["nested-csv"] / eng["nested-csv"] : 0
    row("nested-csv", "nested orders → CSV (wide), 1 thread", "≥ 100 MB/s", (n >= 100 ? "yes" : (ne >= 100 ? "engine only" : "no")))
    x = mb["nested-xlsx"] / wall["nested-xlsx"]
    row("nested-xlsx", "nested orders → XLSX, 1 thread", "≥ 40 MB/s", (x >= 40 ? "yes" : "no"))
    row("nested-rel", "nested orders → CSV (relational), 1 thread", "–", "–")
    row("nested-dom", "nested, DOM baseline (XDocument)", "baseline", "–")
    row("many-1t", "520 files in nested ZIPs → CSV, 1 thread", "–", "–")
    s = wall["many-1t"] / wall["many-2t"]
    row("many-2t", sprintf("520 files in nested ZIPs → CSV, 2 threads (speed-up %.2f×)", s), "≥ 1.7×", (s >= 1.7 ? "yes" : "no"))
    row("scan-many", "scan of the 208 MB nested export", "≤ 3 s", (wall["scan-many"] <= 3 ? "yes" : "no"))
    if ("big-csv" in wall) row("big-csv", "1 GB nested XML → CSV, 1 thread", "RSS ≤ 200 MB", (rss["big-csv"] / 1024 <= 200 ? "yes" : "no"))
  }' "$RESULTS")
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), .NET $(dotnet --version), CLI: $CLI_KIND, medians of $RUNS runs, command \`${BENCH_CLI:+BENCH_CLI=$BENCH_CLI }${BENCH_JIT:+BENCH_JIT=$BENCH_JIT }bench/run.sh${1:+ $1}\`, load average (1/5/15 min) at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "$TABLE"
} > "$OUT/table.md"
if [ -n "${BENCH_NO_README:-}" ]; then cat "$OUT/table.md"; exit 0; fi
awk -v table="$OUT/table.md" '
  /<!-- results:start -->/ { print; while ((getline line < table) > 0) print line; skip=1; next }
  /<!-- results:end -->/ { skip=0 }
  !skip' "$ROOT/bench/README.md" > "$OUT/README.new" && mv "$OUT/README.new" "$ROOT/bench/README.md"
cat "$OUT/table.md"
