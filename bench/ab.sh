#!/usr/bin/env bash
# Interleaved same-session A/B: a baseline build vs this checkout, RUNS alternating runs each (both see the same
# machine load), medians of wall, CPU (user+sys) and peak RSS. Inputs from bench/run.sh (bench/data). Baseline:
#   rm -rf /tmp/ret-base && mkdir /tmp/ret-base && git archive <BASELINE-COMMIT> | tar -x -C /tmp/ret-base \
#     && dotnet build -c Release /tmp/ret-base/src/Ret.Cli/Ret.Cli.csproj
#   dotnet build -c Release src/Ret.Cli/Ret.Cli.csproj && RUNS=5 bench/ab.sh   (BASE_CLI=… to point elsewhere)
# Native binaries instead: BASE_CMD=/tmp/base-cli/ret-cli NEW_CMD=.build/cli-native/ret-cli (from ./ret publish-cli).
# ONLY="flat-csv nested-csv" runs just those scenarios.
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BASE=${BASE_CMD:-"dotnet ${BASE_CLI:-/tmp/ret-base/src/Ret.Cli/bin/Release/net10.0/ret-cli.dll}"}
NEW=${NEW_CMD:-"dotnet $PWD/src/Ret.Cli/bin/Release/net10.0/ret-cli.dll"}
ONLY=${ONLY:-}
D=bench/data
OUT=$PWD/bench/out/ab; mkdir -p $OUT
RES=$PWD/bench/out/ab.tsv; : > $RES
scen() { # name args...
  local name=$1; shift
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  for i in $(seq $RUNS); do
    for v in base new; do
      local cli=$BASE; [ $v = new ] && cli=$NEW
      rm -rf $OUT/x
      local l=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -f "%e %U %S %M" -o $OUT/t $cli "${@//OUTDIR/$OUT/x}" >/dev/null 2>&1
      read -r e u s m < $OUT/t
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$v" "$e" "$(echo "$u + $s" | bc)" "$m" "$l" >> $RES
    done
  done
}
scen flat-csv convert $D/flat.xml -o OUTDIR --threads 1 --quiet
scen nested-csv convert $D/nested.xml -o OUTDIR --threads 1 --quiet
scen nested-xlsx convert $D/nested.xml -o OUTDIR --threads 1 --format xlsx --quiet
scen many-1t convert $D/many.zip -o OUTDIR --threads 1 --quiet
scen many-2t convert $D/many.zip -o OUTDIR --threads 2 --quiet
scen scan-many scan $D/many.zip
python3 - <<'PY'
import statistics as st, collections
rows=[l.rstrip('\n').split('\t') for l in open('bench/out/ab.tsv')]
d=collections.defaultdict(list)
for n,v,e,c,m,l in rows: d[(n,v)].append((float(e),float(c),int(m),float(l)))
print("| scenario | build | median wall s | median CPU s (user+sys) | median peak RSS MB | load (1 min) during runs |")
print("|---|---|---|---|---|---|")
for (n,v),xs in d.items():
    print(f"| {n} | {v} | {st.median(x[0] for x in xs):.2f} | {st.median(x[1] for x in xs):.2f} | {st.median(x[2] for x in xs)/1024:.0f} | {min(x[3] for x in xs):.1f}–{max(x[3] for x in xs):.1f} |")
PY
