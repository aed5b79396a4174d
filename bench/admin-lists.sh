#!/usr/bin/env bash
# Admin console lists at scale (issue 6): seeds N audit entries (default 200 000, over 30 days) into a fresh runtime and
# times the audit list/filter/export and /stats routes of the Release server (medians of 7 requests).
# Needs ./ret build first (uses .build/server), python3 and curl. Usage: N=200000 bench/admin-lists.sh
set -euo pipefail
N=${N:-200000}
cd "$(dirname "$0")/.."
rt=$(mktemp -d); port=8455; pw='bench-admin-Pa55word!'
ASPNETCORE_ENVIRONMENT=Production RET_RUNTIME_ROOT=$rt RET_ADMIN_PASSWORD=$pw dotnet .build/server/Ret.Server.dll --contentRoot "$PWD/src/Ret.Server" --urls http://127.0.0.1:$port >$rt/server.log 2>&1 &
pid=$!
for i in $(seq 1 120); do curl -fs http://127.0.0.1:$port/health/ready >/dev/null && break; sleep 0.5; done
db=$(find $rt -name '*.db' | grep -v jobs | head -1)
python3 - "$db" "$N" <<'PY'
import sqlite3, sys, random, datetime
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
now = datetime.datetime.utcnow()
acts = ['login_succeeded','login_failed','user_updated','api_key_created','logout']
rows = []
for i in range(n):
    at = (now - datetime.timedelta(seconds=random.randint(0, 30*86400))).strftime('%Y-%m-%d %H:%M:%S.%f')
    a = random.choice(acts)
    rows.append((at, None, f'user{i%500}', a, 'user', str(i%500), 'failure' if a=='login_failed' else 'success', '{"reason":"seed %d"}' % i, '10.0.0.1', 'req%d' % i))
c.executemany('INSERT INTO audit_log ("At","ActorId","ActorName","Action","TargetType","TargetId","Outcome","Details","ClientIp","RequestId") VALUES (?,?,?,?,?,?,?,?,?,?)', rows)
c.commit()
PY
cookie=$(mktemp)
tok=$(curl -fs -c $cookie -H 'Content-Type: application/json' -H 'X-RET-CSRF: 1' -d "{\"username\":\"admin\",\"password\":\"$pw\"}" http://127.0.0.1:$port/api/auth/login | python3 -c 'import json,sys;print(json.load(sys.stdin)["accessToken"])')
newpw='bench-admin-Changed-9!'
curl -fs -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -H 'X-RET-CSRF: 1' -d "{\"currentPassword\":\"$pw\",\"newPassword\":\"$newpw\"}" http://127.0.0.1:$port/api/auth/change-password >/dev/null || true
tok=$(curl -fs -H 'Content-Type: application/json' -H 'X-RET-CSRF: 1' -d "{\"username\":\"admin\",\"password\":\"$newpw\"}" http://127.0.0.1:$port/api/auth/login | python3 -c 'import json,sys;print(json.load(sys.stdin)["accessToken"])')
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for path in "/api/admin/audit-logs?page=1&pageSize=50" "/api/admin/audit-logs?page=2000&pageSize=50" "/api/admin/audit-logs?action=login_failed&actor=user42" "/api/admin/audit-logs?q=seed%20123456" "/api/admin/stats" "/api/admin/audit-logs/actions"; do
  t=$(for i in $(seq 1 7); do curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path"; done | med)
  echo "$path median ${t}s"
done
out=$(curl -fs -o $rt/export.csv -w '%{time_total} %{size_download}' -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/admin/audit-logs/export")
echo "export all: $out (s, bytes); rows $(($(wc -l < $rt/export.csv)-1)); server RSS $(ps -o rss= -p $pid) KB"
kill $pid; wait $pid 2>/dev/null || true
rm -rf $rt $cookie
