#!/usr/bin/env bash
# bench/outage-vs-peers.sh - the same upload through the same outages: OpenStack.Actors' tool, rclone and `swift upload`.
#
#   bench/outage-vs-peers.sh [--scenarios proxy-40s,keystone-40s,proxy-5min,503-20pct] [--tools ours,rclone,swift]
#                            [--files N] [--transfers N] [--work DIR] [--out FILE]
#
# Each scenario runs every tool once, one after the other, on the same 600 files of 1-30 KB (--files) with 8 parallel
# transfers (--transfers) into a new container:
#   proxy-40s     the Swift proxy is stopped 4 s into the run and started again 40 s later
#   keystone-40s  Keystone is stopped 4 s into the run for 40 s (Swift cannot validate tokens meanwhile)
#   proxy-5min    the Swift proxy is stopped 4 s into the run for 5 minutes
#   503-20pct     every tool's Swift traffic goes through bench/faulty-proxy.py, which answers 20 % of requests 503
# Then it counts the objects stored with the right MD5 (python-swiftclient's listing against the local files) and
# records the exit code and wall time of that first run. Only 127.0.0.1 is contacted; it ends by itself.
# Writes the table as the section "## Outages: first run versus rclone and swift" of --out (default
# bench/RESULTS.md); raw rows in <work>/outage-runs.tsv.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
SCENARIOS=proxy-40s,keystone-40s,proxy-5min,503-20pct TOOLS=ours,rclone,swift FILES=600 N=8 WORK=/tmp/oa-outage OUT=$ROOT/bench/RESULTS.md
while [ $# -gt 0 ]; do
  case $1 in
    --scenarios) SCENARIOS=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    --files) FILES=$2; shift ;;
    --transfers) N=$2; shift ;;
    --work) WORK=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "outage-vs-peers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[outage-bench $(date +%H:%M:%S)] $*" >&2; }
DC=$ROOT/scripts/devcloud.sh
mkdir -p "$WORK"
command -v rclone > /dev/null || apt-get install -y -q rclone > /dev/null
command -v swift > /dev/null || apt-get install -y -q python3-swiftclient > /dev/null
bash "$DC" up > /dev/null
set -a; . "$DEVCLOUD_DIR/devcloud.env"; set +a
export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
. "$ROOT/bench/peer-env.sh"
case $DEVCLOUD_DEMO_SWIFT_URL in http://127.0.0.1:*) ;; *) echo "refusing a cloud that is not on loopback" >&2; exit 1 ;; esac

# the tool as shipped: published Release, the native executable of the linux-x64 tool package
HOST=$WORK/host
log "publishing src/Host to $HOST"
dotnet publish "$ROOT/src/Host/OpenStack.Actors.Host.csproj" -c Release -r linux-x64 \
  -o "$HOST" -nologo -v quiet > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }

DATA=$WORK/data
if [ ! -f "$WORK/.data-complete-$FILES" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  $PY - "$DATA" "$FILES" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(13)
for i in range(n):
    d = os.path.join(root, f'd{i % 10}'); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f'f{i:04d}.bin'), 'wb') as f: f.write(rng.randbytes(rng.randint(1000, 30000)))
EOF
  touch "$WORK/.data-complete-$FILES"   # outside the data: every file in it is uploaded
fi

PROXY_PORT=18099 PROXY_PID=
stop_proxy() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
cleanup() { stop_proxy; bash "$DC" start swift-proxy > /dev/null 2>&1 || true; bash "$DC" start keystone > /dev/null 2>&1 || true; }
trap cleanup EXIT

verified() {  # container -> objects stored whose MD5 matches the local file
  $PY - "$1" "$DATA" <<'EOF'
import hashlib, os, sys
from swiftclient.client import Connection
c = Connection(authurl=os.environ['OS_AUTH_URL'], user=os.environ['OS_USERNAME'], key=os.environ['OS_PASSWORD'], auth_version='3',
               os_options={'project_name': os.environ['OS_PROJECT_NAME'], 'user_domain_name': 'Default', 'project_domain_name': 'Default'})
try:
    _, objects = c.get_container(sys.argv[1], full_listing=True)
except Exception:
    print(0); sys.exit()
ok = 0
for o in objects:
    path = os.path.join(sys.argv[2], o['name'])
    if os.path.isfile(path) and hashlib.md5(open(path, 'rb').read()).hexdigest() == o['hash']: ok += 1
print(ok)
EOF
}

TSV=$WORK/outage-runs.tsv
printf 'scenario\ttool\tstored\tfiles\texit\twall_s\n' > "$TSV"
IFS=, read -r -a SC <<< "$SCENARIOS"; IFS=, read -r -a TL <<< "$TOOLS"
for scenario in "${SC[@]}"; do
  for tool in "${TL[@]}"; do
    c="oa-outage-$scenario-$tool-$$"
    ourcfg=$OS_CLIENT_CONFIG_FILE swiftextra=() rclonextra=()
    if [ "$scenario" = 503-20pct ]; then
      $PY "$ROOT/bench/faulty-proxy.py" "$PROXY_PORT" 8080 --error-rate 0.2 & PROXY_PID=$!
      storage="http://127.0.0.1:$PROXY_PORT/v1/AUTH_$DEVCLOUD_DEMO_PROJECT_ID"
      ourcfg=$WORK/clouds-503.yaml
      $PY - "$OS_CLIENT_CONFIG_FILE" "$ourcfg" "$storage" <<'EOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1])); d['clouds']['devcloud-demo']['object_store_endpoint_override'] = sys.argv[3]
yaml.safe_dump(d, open(sys.argv[2], 'w'))
EOF
      swiftextra=(--os-storage-url "$storage"); rclonextra=(--swift-storage-url "$storage")
      for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$PROXY_PORT) 2>/dev/null && break; sleep 0.1; done
    fi
    case $tool in
      ours)   cmd=(env OS_CLIENT_CONFIG_FILE="$ourcfg" "$HOST/openstack-actors" --os-cloud devcloud-demo upload "$DATA" "$c" --transfers "$N") ;;
      rclone) cmd=(rclone copy --transfers "$N" --checkers "$N" "${rclonextra[@]}" "$DATA" "dc:$c") ;;
      swift)  cmd=(swift -q "${swiftextra[@]}" upload --object-threads "$N" "$c" .) ;;
    esac
    case $scenario in
      proxy-40s) svc=swift-proxy; down=40 ;;
      keystone-40s) svc=keystone; down=40 ;;
      proxy-5min) svc=swift-proxy; down=300 ;;
      *) svc=""; down=0 ;;
    esac
    log "$scenario: $tool"
    start=$(date +%s.%N)
    ( cd "$DATA" && exec timeout 1800 "${cmd[@]}" ) < /dev/null > "$WORK/$c.log" 2>&1 & tool_pid=$!
    if [ -n "$svc" ]; then
      ( sleep 4; bash "$DC" stop "$svc" > /dev/null; sleep "$down"; bash "$DC" start "$svc" > /dev/null ) & fault_pid=$!
    fi
    rc=0; wait "$tool_pid" || rc=$?
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    [ -n "$svc" ] && wait "$fault_pid"
    stop_proxy
    stored=$(verified "$c")
    printf '%s\t%s\t%s\t%s\t%s\t%.1f\n' "$scenario" "$tool" "$stored" "$FILES" "$rc" "$wall" >> "$TSV"
    log "$scenario $tool: $stored of $FILES stored, exit $rc, ${wall%.*} s"
    swift delete -q "$c" > /dev/null 2>&1 || true
    swift delete -q "${c}_segments" > /dev/null 2>&1 || true
  done
done

# ------------------------------------------------------------------ report
$PY - "$TSV" "$OUT" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$N" <<'EOF'
import csv, datetime, sys
tsv, out, commit, n = sys.argv[1:5]
rows = list(csv.DictReader(open(tsv), delimiter='\t'))
label = {'ours': 'OpenStack.Actors', 'rclone': 'rclone', 'swift': '`swift upload`'}
what = {'proxy-40s': 'Swift proxy down 40 s', 'keystone-40s': 'Keystone down 40 s', 'proxy-5min': 'Swift proxy down 5 min',
        '503-20pct': '20 % of Swift requests answered 503'}
lines = ['## Outages: first run versus rclone and swift', '',
         f'`bench/outage-vs-peers.sh` at {commit}, {datetime.date.today()}: {rows[0]["files"] if rows else "?"} files of 1-30 KB, '
         f'{n} parallel transfers for every tool (`upload --transfers {n}`, `rclone copy --transfers {n} --checkers {n}`, '
         f'`swift upload --object-threads {n}`), each tool\'s default retry settings, the fault 4 s into the run. '
         '"Stored" counts objects whose MD5 matches the local file (python-swiftclient\'s listing), after the first run only.', '',
         '| scenario | tool | stored | exit | wall |', '|---|---|---|---|---|']
for r in rows:
    lines.append(f'| {what.get(r["scenario"], r["scenario"])} | {label.get(r["tool"], r["tool"])} | {r["stored"]} of {r["files"]} | {r["exit"]} | {float(r["wall_s"]):.0f} s |')
section = '\n'.join(lines) + '\n'
head = lines[0]
try:
    text = open(out).read()
except FileNotFoundError:
    text = ''
if head in text:
    start = text.index(head)
    nxt = text.find('\n## ', start + len(head))
    text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else '')
else:
    text = text.rstrip('\n') + '\n\n' + section
open(out, 'w').write(text)
print(section)
EOF
