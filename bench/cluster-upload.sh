#!/usr/bin/env bash
# bench/cluster-upload.sh - one batch upload spread over 1, 2 and 3 cluster nodes (processes of the openstack-actors
# tool on 127.0.0.1) against the local Swift; prints a markdown table of the medians.
#
#   bench/cluster-upload.sh [--files N] [--size BYTES] [--nodes plain,1,2,3] [--runs N] [--transfers N] [--split] [--work DIR] [--kill]
#
#  - starts the local cloud (scripts/devcloud.sh up), builds src/Host in Release once and runs a copy of it;
#  - generates N files (default 1000) of --size bytes (default 16384) under <work>/data (reused);
#  - per node count n and run: a new container; n-1 `upload-worker` processes and one `upload --cluster --min-nodes n`
#    (the coordinator, which uploads too); every node has its own session (its own Keystone token) and --transfers
#    (default 16; --split: --transfers divided among the nodes, so the total stays the same); the time is the
#    coordinator's own summary (from the start of the run, after all n joined); "plain" is the upload without --cluster;
#    the container is checked (objects listed == files) and removed with one bulk-delete request;
#  - --kill: one more 3-node run in which a worker process is killed with SIGKILL halfway; the run must still
#    store every file (listing == files) and the coordinator's summary must add up.
# Only 127.0.0.1 is contacted. Output: the table on stdout, raw lines in <work>/runs.tsv.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
CLOUD=devcloud-demo

FILES=1000 SIZE=16384 NODES=1,2,3 RUNS=1 TRANSFERS=16 WORK=/tmp/oa-cluster-bench KILL=0 SPLIT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --files) FILES=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --transfers) TRANSFERS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --kill) KILL=1; shift ;;
    --split) SPLIT=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

bash "$ROOT/scripts/devcloud.sh" up > /dev/null
mkdir -p "$WORK"
dotnet build "$ROOT/src/Host" -c Release -nologo -v q > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
rm -rf "$WORK/tool"; cp -r "$ROOT/src/Host/bin/Release/net10.0" "$WORK/tool"
OSA=(dotnet "$WORK/tool/openstack-actors.dll" --os-cloud "$CLOUD")

DATA=$WORK/data
if [ "$(find "$DATA" -type f 2>/dev/null | wc -l)" != "$FILES" ] || [ "$(stat -c %s "$DATA/d00/f00000.bin" 2>/dev/null)" != "$SIZE" ]; then
  rm -rf "$DATA"
  /usr/bin/python3 - "$DATA" "$FILES" "$SIZE" <<'PY'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, f"d{i // 100:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(size))
PY
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Removes a container with one bulk-delete request (the objects are the data set's names).
remove_container() {
  local c=$1 list=$WORK/bulk-$1.txt
  (cd "$DATA" && find . -type f | sed 's|^\./||' | /usr/bin/python3 -c '
import sys, urllib.parse
c = sys.argv[1]
for line in sys.stdin:
    print("/" + urllib.parse.quote(c) + "/" + urllib.parse.quote(line.rstrip("\n")))' "$c") > "$list"
  "${OSA[@]}" request POST "?bulk-delete" --service object-store --data "@$list" -H "Content-Type: text/plain" -H "Accept: application/json" > /dev/null 2>&1 || true
  "${OSA[@]}" request DELETE "$c" --service object-store > /dev/null 2>&1 || true
  rm -f "$list"
}

count_objects() { "${OSA[@]}" list "$1" 2>/dev/null | grep -c . || true; }

# run N KILL: one cluster run with N nodes (plain: no cluster); prints "seconds uploaded skipped failed listed reassigned"
run() {
  local n=$1 kill=$2 port c log pids=() t=$TRANSFERS
  port=$(free_port)
  c=bench-cluster-$n-$(date +%s%N | tail -c 8)
  log=$WORK/run-$c
  if [ "$n" = plain ]; then
    "${OSA[@]}" upload "$DATA" "$c" --transfers "$t" > "$log.out" 2> "$log.err" &
  else
    [ "$SPLIT" = 1 ] && t=$(( (TRANSFERS + n - 1) / n ))
    for ((w = 1; w < n; w++)); do
      "${OSA[@]}" upload-worker --seed-node "akka.tcp://openstack-actors@127.0.0.1:$port" --transfers "$t" > "$log.w$w.out" 2> "$log.w$w.err" &
      pids+=($!)
    done
    "${OSA[@]}" upload "$DATA" "$c" --cluster --cluster-port "$port" --min-nodes "$n" --transfers "$t" > "$log.out" 2> "$log.err" &
  fi
  local coord=$!
  if [ "$kill" = 1 ]; then
    # halfway: the coordinator's progress line is every 5 s; kill by object count instead
    while kill -0 "$coord" 2>/dev/null && [ "$(count_objects "$c")" -lt $((FILES / 2)) ]; do sleep 1; done
    kill -9 "${pids[0]}" 2>/dev/null || true
    echo "killed worker pid ${pids[0]} at $(count_objects "$c") objects" >&2
  fi
  wait "$coord" || true
  for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
  local secs up sk fa re listed
  secs=$(grep -oE 'skipped in [0-9.]+ s' "$log.out" | grep -oE '[0-9.]+' || echo NA)
  up=$(grep -oE '^Uploaded: [0-9]+' "$log.out" | grep -oE '[0-9]+' || echo NA)
  sk=$(grep -oE 'Skipped: [0-9]+' "$log.out" | head -1 | grep -oE '[0-9]+' || echo NA)
  fa=$(grep -oE 'Failed: [0-9]+' "$log.out" | head -1 | grep -oE '[0-9]+' || echo NA)
  re=$(grep -oE 'Handed out again: [0-9]+' "$log.out" | grep -oE '[0-9]+' || echo NA)
  listed=$(count_objects "$c")
  remove_container "$c"
  echo "$secs $up $sk $fa $listed $re"
}

: > "$WORK/runs.tsv"
echo "| nodes | transfers per node | files | time (s, median of $RUNS) | files/s | MB/s | uploaded/skipped/failed | listed |"
echo "|---|---|---|---|---|---|---|---|"
IFS=, read -ra NODE_LIST <<< "$NODES"
for n in "${NODE_LIST[@]}"; do
  times=()
  for ((r = 0; r < RUNS; r++)); do
    read -r secs up sk fa listed re <<< "$(run "$n" 0)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$secs" "$up" "$sk" "$fa" "$listed" "$re" >> "$WORK/runs.tsv"
    times+=("$secs")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  per=$TRANSFERS
  [ "$SPLIT" = 1 ] && [ "$n" != plain ] && per=$(( (TRANSFERS + n - 1) / n ))
  /usr/bin/python3 -c "
import sys
n, files, size, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
label = '1 (no --cluster)' if n == 'plain' else n
print(f'| {label} | {sys.argv[9]} | {files} | {t:.1f} | {files / t:.1f} | {files * size / t / 1e6:.2f} | {sys.argv[5]}/{sys.argv[6]}/{sys.argv[7]} | {sys.argv[8]} |')
" "$n" "$FILES" "$SIZE" "$median" "$up" "$sk" "$fa" "$listed" "$per"
done

if [ "$KILL" = 1 ]; then
  read -r secs up sk fa listed re <<< "$(run 3 1)"
  printf 'kill\t3\t%s\t%s\t%s\t%s\t%s\t%s\n' "$secs" "$up" "$sk" "$fa" "$listed" "$re" >> "$WORK/runs.tsv"
  echo
  echo "3 nodes, one worker killed with SIGKILL halfway: ${secs} s; uploaded $up, skipped $sk, failed $fa; listed $listed of $FILES; handed out again $re"
fi
