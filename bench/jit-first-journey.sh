#!/usr/bin/env bash
# What a fresh server compiles during its first journeys (bench/README.md, session 18): starts a Release server, waits
# for its warm-ups, signs in, then records the runtime's JIT events (dotnet-trace) over COUNT journeys of INPUT driven by
# bench/journey.py, and prints per journey and per step how many methods were compiled and for how long
# (bench/JitWindows). The method counts are deterministic; the milliseconds follow the machine's speed.
#
#   bench/jit-first-journey.sh [INPUT.zip]     (default bench/data/many.zip; COUNT=2 for the second journey too)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INPUT="${1:-$ROOT/bench/data/many.zip}"
[[ -f "$INPUT" ]] || { echo "missing $INPUT: run bench/run.sh quick first (it generates bench/data)"; exit 1; }
PORT="${PORT:-8393}"
B="http://127.0.0.1:$PORT"
TOOLS="$ROOT/.build/tools"
[[ -x "$TOOLS/dotnet-trace" ]] || dotnet tool install --tool-path "$TOOLS" dotnet-trace >/dev/null
dotnet build "$ROOT/src/Ret.Server/Ret.Server.csproj" -c Release -o "$ROOT/.build/server" -nologo -v quiet -clp:"ErrorsOnly;NoSummary"
dotnet build "$ROOT/bench/JitWindows/JitWindows.csproj" -c Release -o "$ROOT/.build/jit-windows" -nologo -v quiet -clp:"ErrorsOnly;NoSummary"
RT="$(mktemp -d)"
RET_RUNTIME_ROOT="$RT" RET_ADMIN_PASSWORD=bench-initial-password RateLimits__Enabled=false Workspace__MaxFileBytes=2000000000 \
  Logging__Console__Json=false dotnet "$ROOT/.build/server/Ret.Server.dll" --contentRoot "$ROOT/src/Ret.Server" --urls "$B" \
  >"$RT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$RT"' EXIT
for _ in $(seq 1 120); do curl -fs "$B/health/live" >/dev/null && break; sleep 0.5; done
for _ in $(seq 1 200); do grep -q "Request paths warmed up\|request-path warm-up failed" "$RT/server.log" && break; sleep 0.25; done
grep -o "Conversion engine warmed up in [0-9.]* s\|Request paths warmed up in [0-9.]* s" "$RT/server.log" || true

json() { python3 -c "import sys,json;d=json.load(sys.stdin);print($1)"; }
H=(-H "X-RET-CSRF: 1" -H "Content-Type: application/json")
TOKEN=$(curl -s "${H[@]}" -X POST "$B/api/auth/login" -d '{"username":"admin","password":"bench-initial-password"}' | json 'd["accessToken"]')
TOKEN=$(curl -s "${H[@]}" -H "Authorization: Bearer $TOKEN" -X POST "$B/api/auth/change-password" \
  -d '{"currentPassword":"bench-initial-password","newPassword":"bench-changed-passphrase"}' | json 'd["accessToken"]')

# JIT keyword (0x10), verbose: MethodJittingStarted and MethodLoadVerbose (name, tier) of every compiled method.
"$TOOLS/dotnet-trace" collect -p "$PID" --providers "Microsoft-Windows-DotNETRuntime:0x10:5" -o "$RT/jit.nettrace" \
  </dev/null >"$RT/trace.log" 2>&1 &
TRACE=$!
for _ in $(seq 1 40); do grep -q "Recording trace\|Output File" "$RT/trace.log" 2>/dev/null && break; sleep 0.25; done
sleep 1
python3 "$ROOT/bench/journey.py" "$B" "$TOKEN" "$INPUT" "$PID" --count "${COUNT:-1}" --zip "$RT/all.zip" >"$RT/journeys.txt"
sleep 1
kill -TERM "$TRACE"; wait "$TRACE" || true # dotnet-trace ends its file on SIGTERM (it ignores SIGINT without a terminal)
# Windows: each journey (upload start → download done) and its steps (t0 … t4 of journey.py).
awk '/^journey /{n++; print "journey" n, $6, $10; print "journey" n "-upload", $6, $7; print "journey" n "-scan", $7, $8; print "journey" n "-convert", $8, $9;
  print "journey" n "-download", $9, $10}' "$RT/journeys.txt" >"$RT/windows.txt"
awk '/^journey /{printf "journey %d: upload %.3f  scan %.3f  convert %.3f  download %.3f s\n", ++n, $7-$6, $8-$7, $9-$8, $10-$9}' "$RT/journeys.txt"
dotnet "$ROOT/.build/jit-windows/jit-windows.dll" "$RT/jit.nettrace" "$RT/windows.txt"
