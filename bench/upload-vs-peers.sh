#!/usr/bin/env bash
# bench/upload-vs-peers.sh - batch upload to the local Swift: OpenStack.Actors' tool versus rclone and python-swiftclient.
#
#   bench/upload-vs-peers.sh [--smoke] [--runs N] [--transfers N] [--sets small,large,slo] [--tools ours,rclone,swift]
#                            [--scaling 1,4,16,64] [--cache-times 300,-1] [--other-cache-sets small] [--work DIR]
#                            [--timeout S] [--out FILE]
#
# What it does (only 127.0.0.1 is contacted; it ends by itself):
#  - starts the local cloud (scripts/devcloud.sh up; DEVCLOUD_DIR and the devcloud port variables are honoured) and
#    stops its container/object updaters while it measures (BENCH_KEEP_UPDATERS=1 keeps them; they are started again
#    at the end), publishes src/Host once (Release, the native executable of the linux-x64 tool package) to <work>/host and runs that with
#    `dotnet` (no build inside the timing; a rebuild in the tree during the run cannot change what is measured);
#  - generates the data sets once under the work dir (default /tmp/oa-bench/data; reused by later runs):
#      small  2,000 files of 16 KiB              (request-rate bound)
#      large  20 files of 64 MiB                  (throughput bound)
#      slo    2 files of 600 MiB, 100 MiB segments (large-object path; ours and swift make SLOs, rclone a DLO)
#    --smoke: 50 x 16 KiB, 2 x 8 MiB, 1 x 24 MiB with 8 MiB segments, 1 run, N=4 (results to the work dir);
#  - with Swift's authtoken token_cache_time at the first of --cache-times (default 300 s, what real clouds use), uploads
#    every set with every tool, --runs times (default 3), rotating the order of the tools from run to run, the same N
#    (--transfers, default 16) for all: ours --transfers N; rclone copy --transfers N --checkers N; swift upload
#    --object-threads N (and --segment-threads N --use-slo for the slo set); each run into a new container, which
#    is checked (objects listed == files) and deleted afterwards;
#    then our tool alone at --scaling transfers (default 1,4,16,64) on the small set;
#    then, for each further cache time (default -1 = no cache, the dev cloud's default), the --other-cache-sets
#    (default small) again with every tool; the proxy is restarted for each setting, and put back to -1 at the end;
#  - measures per run: wall time, files/s, MB/s (10^6 bytes), client CPU (user+sys of the tool's process tree,
#    /usr/bin/time), peak RSS, and the server's CPU (utime+stime deltas, with reaped children, of every process
#    of the dev cloud: keystone, memcached, swift proxy/account/container/object servers and updaters);
#  - writes the medians, ratios ours/peer, the scaling table and the machine facts as the section
#    "## Macro: batch upload versus rclone and python-swiftclient" of --out (default bench/RESULTS.md, replacing
#    the section if present; with --smoke the default is <work dir>/RESULTS-smoke.md). Raw per-run rows: <work>/runs-*.tsv.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}

# ------------------------------------------------------------------ options
ORIG_ARGS=("$@")
SMOKE=0 RUNS="" TRANSFERS="" SETS=small,large,slo TOOLS=ours,rclone,swift SCALING=default OUT="" WORK=/tmp/oa-bench
CACHE_TIMES=300,-1 OTHER_SETS=small TIMEOUT=3600
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --runs) RUNS=${2:?}; shift ;;
    --transfers) TRANSFERS=${2:?}; shift ;;
    --sets) SETS=${2:?}; shift ;;
    --tools) TOOLS=${2:?}; shift ;;
    --scaling) SCALING=${2-}; shift ;;
    --cache-times) CACHE_TIMES=${2:?}; shift ;;
    --other-cache-sets) OTHER_SETS=${2-}; shift ;;
    --work) WORK=${2:?}; shift ;;
    --timeout) TIMEOUT=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    -h|--help) usage 0 ;;
    *) echo "upload-vs-peers.sh: unknown argument $1" >&2; usage 2 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then RUNS=${RUNS:-1} TRANSFERS=${TRANSFERS:-4}; OUT=${OUT:-$WORK/RESULTS-smoke.md}; fi
RUNS=${RUNS:-3} TRANSFERS=${TRANSFERS:-16} OUT=${OUT:-$ROOT/bench/RESULTS.md}
[ "$SCALING" = default ] && SCALING=1,4,16,64
[ "$SCALING" = none ] && SCALING=""
[ "$OTHER_SETS" = none ] && OTHER_SETS=""
for v in "$RUNS" "$TRANSFERS" "$TIMEOUT"; do [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "not a positive integer: $v" >&2; exit 2; }; done
IFS=, read -r -a SET_LIST <<< "$SETS"
IFS=, read -r -a TOOL_LIST <<< "$TOOLS"
IFS=, read -r -a SCALE_LIST <<< "$SCALING"
IFS=, read -r -a CACHE_LIST <<< "$CACHE_TIMES"
IFS=, read -r -a OTHER_LIST <<< "$OTHER_SETS"
for s in "${SET_LIST[@]}" "${OTHER_LIST[@]}"; do case $s in small|large|slo) ;; *) echo "unknown set $s" >&2; exit 2 ;; esac; done
for t in "${TOOL_LIST[@]}"; do case $t in ours|rclone|swift) ;; *) echo "unknown tool $t" >&2; exit 2 ;; esac; done
for c in "${CACHE_LIST[@]}"; do [[ $c =~ ^-?[0-9]+$ ]] || { echo "bad cache time $c" >&2; exit 2; }; done
for n in "${SCALE_LIST[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bad --scaling value $n" >&2; exit 2; }; done

# data sets: files, bytes per file, segment size (0 = none)
declare -A COUNT SIZE SEG
if [ "$SMOKE" = 1 ]; then
  COUNT=([small]=50 [large]=2 [slo]=1); SIZE=([small]=16384 [large]=8388608 [slo]=25165824); SEG=([small]=0 [large]=0 [slo]=8388608)
else
  COUNT=([small]=2000 [large]=20 [slo]=2); SIZE=([small]=16384 [large]=67108864 [slo]=629145600); SEG=([small]=0 [large]=0 [slo]=104857600)
fi

STAMP=$(date +%Y%m%d-%H%M%S)
LOGS=$WORK/logs/$STAMP
TSV=$WORK/runs-$STAMP.tsv
mkdir -p "$LOGS" "$WORK/data"
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (scripts/devcloud.sh needs it)"

# ------------------------------------------------------------------ tools
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
need_pkg time || missing+=(time)
if [[ ,$TOOLS, == *,rclone,* ]]; then need_pkg rclone || missing+=(rclone); fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" > "$LOGS/apt.log" 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -q > /dev/null 2>&1 && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" > "$LOGS/apt.log" 2>&1; } \
    || die "apt-get install ${missing[*]} failed (see $LOGS/apt.log)"
fi

# ------------------------------------------------------------------ cloud
cache_time() { sed -n 's/^token_cache_time *= *//p' "$DEVCLOUD_DIR/etc/swift/proxy-server.conf" 2>/dev/null; }
proxy_pid() { cat "$DEVCLOUD_DIR/run/swift-proxy.pid" 2>/dev/null || echo none; }
CHANGED_CACHE=0 STOPPED_UPDATERS=0
cloud_up() {  # cache-time
  local t0=$SECONDS
  DEVCLOUD_AUTHTOKEN_CACHE_TIME=$1 bash "$ROOT/scripts/devcloud.sh" up > "$LOGS/devcloud-up-$1.log" 2>&1 \
    || { tail -20 "$LOGS/devcloud-up-$1.log" >&2; die "scripts/devcloud.sh up failed"; }
  [ "$(cache_time)" = "$1" ] || die "token_cache_time is $(cache_time), wanted $1"
  [ "$1" = -1 ] || CHANGED_CACHE=1
  # The container and object updaters sweep every container every 5 s (for account statistics, which no upload here
  # reads): with many containers that is most of a core at rest, billed to whichever tool runs. Off while measuring.
  if [ "${BENCH_KEEP_UPDATERS:-0}" != 1 ]; then
    bash "$ROOT/scripts/devcloud.sh" stop swift-updaters > "$LOGS/stop-updaters.log" 2>&1 || die "could not stop the updaters (see $LOGS/stop-updaters.log)"
    STOPPED_UPDATERS=1
  fi
  # shellcheck disable=SC1091
  . "$DEVCLOUD_DIR/devcloud.env"
  log "cloud up with token_cache_time=$1 ($((SECONDS - t0)) s; proxy pid $(proxy_pid))"
}

CURRENT_CONTAINER=""
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$CURRENT_CONTAINER" ]; then cleanup_container "$CURRENT_CONTAINER" || true; fi
  if [ "$STOPPED_UPDATERS" = 1 ]; then
    bash "$ROOT/scripts/devcloud.sh" start swift-updaters > /dev/null 2>&1 || log "WARNING: could not start the updaters again"
  fi
  if [ "$CHANGED_CACHE" = 1 ]; then
    log "restoring token_cache_time=-1 (the dev cloud's default)"
    DEVCLOUD_AUTHTOKEN_CACHE_TIME=-1 bash "$ROOT/scripts/devcloud.sh" up > "$LOGS/devcloud-up-restore.log" 2>&1 \
      || log "WARNING: could not restore token_cache_time=-1 (see $LOGS/devcloud-up-restore.log)"
  fi
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

cloud_up "${CACHE_LIST[0]}"
export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
unset OS_CLOUD
. "$ROOT/bench/peer-env.sh"
for v in "$DEVCLOUD_KEYSTONE_URL" "$DEVCLOUD_DEMO_SWIFT_URL"; do
  case $v in http://127.0.0.1:*|http://localhost:*) ;; *) die "refusing a cloud that is not on loopback: $v" ;; esac
done

# ------------------------------------------------------------------ our tool
HOST_DIR=$WORK/host
if [[ ,$TOOLS, == *,ours,* ]] || [ -n "$SCALING" ]; then
  # Published as the linux-x64 tool package ships it: the Native AOT executable.
  log "publishing src/Host (Release, Native AOT) to $HOST_DIR"
  rm -rf "$HOST_DIR"
  dotnet publish "$ROOT/src/Host/OpenStack.Actors.Host.csproj" -c Release -r linux-x64 \
    -o "$HOST_DIR" -nologo -v quiet > "$LOGS/build.log" 2>&1 \
    || { tail -30 "$LOGS/build.log" >&2; die "publish failed"; }
  [ -x "$HOST_DIR/openstack-actors" ] || die "no openstack-actors in $HOST_DIR"
fi
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || COMMIT="$COMMIT+local changes in src/"

# ------------------------------------------------------------------ data
declare -A DIR
make_set() {  # set
  local s=$1 name="$1-${COUNT[$1]}x${SIZE[$1]}"
  DIR[$s]=$WORK/data/$name
  if [ ! -f "$WORK/data/$name.complete" ]; then
    log "generating ${DIR[$s]}: ${COUNT[$s]} files of ${SIZE[$s]} bytes"
    rm -rf "${DIR[$s]}"
    "$PY" - "${DIR[$s]}" "${COUNT[$s]}" "${SIZE[$s]}" <<'EOF'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d)
width = len(str(n - 1))
for i in range(n):
    with open(os.path.join(d, 'f%0*d.bin' % (width, i)), 'wb') as f:
        left = size
        while left:
            k = min(left, 8 << 20)
            f.write(os.urandom(k))
            left -= k
EOF
    touch "$WORK/data/$name.complete"   # outside the set, so it is not uploaded
  fi
}
declare -A WANTED=()
for s in "${SET_LIST[@]}" "${OTHER_LIST[@]}"; do WANTED[$s]=1; done
[ -n "$SCALING" ] && WANTED[small]=1
for s in small large slo; do if [ -n "${WANTED[$s]:-}" ]; then make_set "$s"; fi; done

# ------------------------------------------------------------------ measuring
CLK_TCK=$(getconf CLK_TCK)
server_ticks() {  # -> "<all dev cloud processes> <keystone>" in clock ticks: utime+stime+cutime+cstime of each live process of the trees
  local roots="" ks="" f
  for f in "$DEVCLOUD_DIR"/run/*.pid; do
    [ -s "$f" ] || continue
    roots="$roots $(cat "$f")"
    if [ "$(basename "$f")" = keystone.pid ]; then ks=$(cat "$f"); fi
  done
  awk -v roots="$roots" -v ks="$ks" '
    { line = $0; pid = $1; sub(/^.*\) /, "", line); split(line, a, " ")
      ppid[pid] = a[2]; ticks[pid] = a[12] + a[13] + a[14] + a[15] }
    END {
      n = split(roots, r, " "); for (i = 1; i <= n; i++) { if (r[i] in ppid) in_all[r[i]] = 1 }
      if (ks in ppid) in_ks[ks] = 1
      do { changed = 0
        for (p in ppid) {
          if (!(p in in_all) && (ppid[p] in in_all)) { in_all[p] = 1; changed = 1 }
          if (!(p in in_ks) && (ppid[p] in in_ks)) { in_ks[p] = 1; changed = 1 }
        }
      } while (changed)
      for (p in in_all) all += ticks[p]; for (p in in_ks) k += ticks[p]
      printf "%d %d\n", all, k
    }' < <(cat /proc/[0-9]*/stat 2>/dev/null)
}

# The dev cloud is never quite idle: its container and object updaters sweep every 5 s. IDLE_TICKS is its CPU use at rest
# (clock ticks per 5 s, the lowest of three 5 s windows), measured at the start of each cache setting.
IDLE_TICKS=0
measure_idle() {
  local i a b best=""
  for i in 1 2 3; do
    read -r a _ < <(server_ticks); sleep 5; read -r b _ < <(server_ticks)
    if [ -z "$best" ] || [ $((b - a)) -lt "$best" ]; then best=$((b - a)); fi
  done
  IDLE_TICKS=$best
  log "the dev cloud at rest uses $(awk -v t="$best" -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h/5}') cores (updaters)"
}
settle() {  # before a run: wait (5 s windows, at most 30 s) until the dev cloud is back near rest, so one run's aftermath is not billed to the next
  local i a b
  for i in 1 2 3 4 5 6; do
    read -r a _ < <(server_ticks); sleep 5; read -r b _ < <(server_ticks)
    if [ $((b - a)) -le $((IDLE_TICKS * 5 / 4 + CLK_TCK / 2)) ]; then return 0; fi
  done
  log "note: the dev cloud still used $(awk -v t="$((b - a))" -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h/5}') cores after 30 s of waiting"
}

cleanup_container() {  # container: delete it and its _segments container (objects first)
  local c=$1
  swift -q delete "$c" > /dev/null 2>&1 || true
  swift -q delete "${c}_segments" > /dev/null 2>&1 || true
}

large_object_kind() {  # container -> SLO | DLO | plain | ? (of its first object)
  local c=$1 first h
  first=$(swift list "$c" 2>/dev/null | head -1)
  [ -n "$first" ] || { echo "?"; return; }
  h=$(swift stat "$c" "$first" 2>/dev/null || true)
  if grep -qi '^ *Manifest:' <<< "$h"; then echo DLO
  elif grep -qi 'X-Static-Large-Object: *True' <<< "$h"; then echo SLO
  else echo plain; fi
}

printf 'cache\tkind\tset\ttool\ttransfers\trun\twall_s\tuser_s\tsys_s\trss_kib\tserver_cpu_s\tkeystone_cpu_s\tfiles\tbytes\tlisted\tsegments\tobject_kind\texit\tstatus\tcontainer\tidle_cores\n' > "$TSV"

measure() {  # cache kind set tool transfers run
  local cache=$1 kind=$2 s=$3 tool=$4 n=$5 run=$6
  local dir=${DIR[$s]} files=${COUNT[$s]} bytes=$(( COUNT[$s] * SIZE[$s] )) seg=${SEG[$s]}
  local c="oab-$s-$tool-n$n-c${cache/-/m}-r$run-$$"
  local tf=$LOGS/$c.time lf=$LOGS/$c.log
  local cmd=()
  case $tool in
    ours)   cmd=("$HOST_DIR/openstack-actors" --os-cloud devcloud-demo upload "$dir" "$c" --transfers "$n")
            if [ "$seg" != 0 ]; then cmd+=(--segment-size "$((seg / 1048576))MiB"); fi ;;
    rclone) cmd=(rclone copy --transfers "$n" --checkers "$n" "$dir" "dc:$c")
            if [ "$seg" != 0 ]; then cmd+=(--swift-chunk-size "$((seg / 1048576))Mi"); fi ;;
    swift)  cmd=(swift -q upload --object-threads "$n" "$c" "$(basename "$dir")")
            if [ "$seg" != 0 ]; then cmd=(swift -q upload --object-threads "$n" --segment-size "$seg" --segment-threads "$n" --use-slo "$c" "$(basename "$dir")"); fi ;;
  esac
  settle
  local pid0 cache0 s0 k0 s1 k1 rc=0
  pid0=$(proxy_pid); cache0=$(cache_time)
  read -r s0 k0 < <(server_ticks)
  CURRENT_CONTAINER=$c
  ( cd "$(dirname "$dir")" && exec /usr/bin/time -f '%e %U %S %M' -o "$tf" timeout "$TIMEOUT" "${cmd[@]}" ) < /dev/null > "$lf" 2>&1 || rc=$?
  read -r s1 k1 < <(server_ticks)
  local wall user sys rss
  read -r wall user sys rss < <(tail -1 "$tf" 2>/dev/null || echo "0 0 0 0")
  local listed segments=0 okind="-" status=ok
  listed=$(swift list "$c" 2>/dev/null | wc -l)
  if [ "$seg" != 0 ]; then
    segments=$(swift list "${c}_segments" 2>/dev/null | wc -l)
    okind=$(large_object_kind "$c")
  fi
  if [ "$rc" != 0 ]; then status="failed(exit $rc)"
  elif [ "$listed" != "$files" ]; then status="wrong(listed $listed of $files)"
  elif [ "$(proxy_pid)" != "$pid0" ] || [ "$(cache_time)" != "$cache0" ]; then status="disturbed(proxy restarted)"
  fi
  cleanup_container "$c"
  CURRENT_CONTAINER=""
  local scpu kcpu
  scpu=$(awk -v a="$s0" -v b="$s1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  kcpu=$(awk -v a="$k0" -v b="$k1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$cache" "$kind" "$s" "$tool" "$n" "$run" "$wall" "$user" "$sys" "$rss" "$scpu" "$kcpu" "$files" "$bytes" \
    "$listed" "$segments" "$okind" "$rc" "$status" "$c" "$(awk -v t="$IDLE_TICKS" -v h="$CLK_TCK" 'BEGIN{printf "%.3f", t/h/5}')" >> "$TSV"
  awk -v w="$wall" -v u="$user" -v sy="$sys" -v r="$rss" -v f="$files" -v b="$bytes" -v sc="$scpu" -v kc="$kcpu" \
      -v what="cache=$cache $s $tool N=$n run $run" -v st="$status" -v k="$okind" 'BEGIN {
    if (w <= 0) w = 0.001
    printf "%-34s %7.2f s %8.1f files/s %7.1f MB/s  client cpu %6.2f s  rss %5.0f MiB  server cpu %6.2f s (keystone %5.2f)  %s%s\n",
      what, w, f/w, b/1e6/w, u+sy, r/1024, sc, kc, st, (k == "-" ? "" : "  [" k "]") }' >&2
  if [ "$status" != ok ]; then log "run not counted: $status (log: $lf)"; fi
}

warm_cache() { cat "${DIR[$1]}"/* > /dev/null; }   # same page-cache state for every tool

rotated() {  # run -> the tools in the order of this run (each tool goes first in turn)
  local r=$1 k=${#TOOL_LIST[@]} i
  for ((i = 0; i < k; i++)); do printf '%s\n' "${TOOL_LIST[$(( (i + r - 1) % k ))]}"; done
}

# warm-up: one small upload per tool (first start of dotnet/python, connection setup on the server) - not recorded
warm_up() {
  local d=$WORK/data/warmup c tool
  mkdir -p "$d"; head -c 4096 /dev/urandom > "$d/w.bin"
  for tool in "${TOOL_LIST[@]}"; do
    c="oab-warmup-$tool-$$"
    case $tool in
      ours) "$HOST_DIR/openstack-actors" --os-cloud devcloud-demo upload "$d" "$c" > /dev/null 2>&1 || true ;;
      rclone) rclone copy "$d" "dc:$c" > /dev/null 2>&1 || true ;;
      swift) (cd "$WORK/data" && swift -q upload "$c" warmup > /dev/null 2>&1) || true ;;
    esac
    cleanup_container "$c"
  done
}

START=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "work dir $WORK, results $TSV; sets ${SETS} x tools ${TOOLS}, $RUNS run(s), N=$TRANSFERS; scaling: ${SCALING:-none}; cache times: $CACHE_TIMES (others: ${OTHER_SETS:-none})"
phase=0
for cache in "${CACHE_LIST[@]}"; do
  if [ $phase -gt 0 ]; then
    [ ${#OTHER_LIST[@]} -gt 0 ] || break
    cloud_up "$cache"
    sets=("${OTHER_LIST[@]}")
  else
    sets=("${SET_LIST[@]}")
  fi
  warm_up
  measure_idle
  for s in "${sets[@]}"; do
    warm_cache "$s"
    for ((run = 1; run <= RUNS; run++)); do
      while read -r tool <&3; do measure "$cache" compare "$s" "$tool" "$TRANSFERS" "$run"; done 3< <(rotated "$run")
    done
  done
  if [ $phase = 0 ] && [ ${#SCALE_LIST[@]} -gt 0 ]; then
    warm_cache small
    for ((run = 1; run <= RUNS; run++)); do
      k=${#SCALE_LIST[@]}
      for ((i = 0; i < k; i++)); do
        n=${SCALE_LIST[$(( (i + run - 1) % k ))]}
        # ours on the small set at N=--transfers is measured above already
        if [ "$n" = "$TRANSFERS" ] && [[ ,$SETS, == *,small,* ]] && [[ ,$TOOLS, == *,ours,* ]]; then continue; fi
        measure "$cache" scaling small ours "$n" "$run"
      done
    done
  fi
  phase=$((phase + 1))
done
ELAPSED=$((SECONDS - START))

# ------------------------------------------------------------------ report
FACTS=$LOGS/facts.env
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "memory=$(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)"
  echo "kernel=$(uname -r)"
  echo "dotnet=$(dotnet --version 2>/dev/null)"
  echo "rclone=$(rclone version 2>/dev/null | head -1 | awk '{print $2}') (Debian $(dpkg-query -W -f='${Version}' rclone 2>/dev/null))"
  echo "swiftclient=$(dpkg-query -W -f='${Version}' python3-swiftclient 2>/dev/null)"
  echo "swift=$(dpkg-query -W -f='${Version}' python3-swift 2>/dev/null)"
  echo "keystone=$(dpkg-query -W -f='${Version}' python3-keystone 2>/dev/null)"
  echo "commit=$COMMIT"
  echo "devcloud=keystone uwsgi ${DEVCLOUD_KEYSTONE_PROCESSES:-2} x ${DEVCLOUD_KEYSTONE_THREADS:-4}, swift proxy ${DEVCLOUD_PROXY_WORKERS:-2} workers, object server ${DEVCLOUD_OBJECT_WORKERS:-2} workers, $([ "$STOPPED_UPDATERS" = 1 ] && echo "container/object updaters stopped while measuring" || echo "updaters every 5 s")"
  echo "cloud=DEVCLOUD_DIR=$DEVCLOUD_DIR, Keystone $DEVCLOUD_KEYSTONE_URL, Swift $DEVCLOUD_SWIFT_URL"
  echo "swift_storage=$(mountpoint -q "$DEVCLOUD_DIR/swift/srv" && echo tmpfs || echo "plain directory")"
  echo "data_fs=$(df -T "$WORK/data" | awk 'NR==2{print $2}')"
  echo "load_start=$LOAD_START"
  echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "elapsed=$ELAPSED"
  echo "runs=$RUNS"
  echo "transfers=$TRANSFERS"
  echo "smoke=$SMOKE"
  echo "cache_times=$CACHE_TIMES"
  echo "tools=$TOOLS"
  echo "sets=$SETS"
  for s in small large slo; do echo "set_$s=${COUNT[$s]} ${SIZE[$s]} ${SEG[$s]}"; done
  echo "args=${ORIG_ARGS[*]}"
} > "$FACTS"

SECTION=$LOGS/section.md
"$PY" - "$TSV" "$FACTS" > "$SECTION" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
facts = dict(l.rstrip('\n').split('=', 1) for l in open(sys.argv[2]) if '=' in l)
cache_times = facts['cache_times'].split(',')
smoke = facts['smoke'] == '1'
tools = [t for t in ('ours', 'rclone', 'swift') if t in facts['tools'].split(',')]
label = {'ours': 'OpenStack.Actors', 'rclone': 'rclone', 'swift': 'python-swiftclient'}
def size(b):
    b = int(b)
    for unit, f in (('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if b >= f and b % f == 0: return '%d %s' % (b // f, unit)
    return '%d B' % b
def set_desc(s):
    n, sz, seg = facts['set_' + s].split()
    d = '%s x %s' % (f'{int(n):,}', size(sz))
    return d + (', %s segments' % size(seg) if seg != '0' else '')
def cache_desc(c):
    return 'no token cache (token_cache_time = -1)' if c == '-1' else 'token_cache_time = %s s' % c
def med(xs):
    return statistics.median(xs) if xs else None
def agg(rs):
    ok = [r for r in rs if r['status'] == 'ok']
    if not ok: return None
    f = lambda k: med([float(r[k]) for r in ok])
    files, byts = int(ok[0]['files']), int(ok[0]['bytes'])
    wall = f('wall_s'); cpu = med([float(r['user_s']) + float(r['sys_s']) for r in ok])
    return dict(n=len(ok), total=len(rs), wall=wall, fps=med([files / max(float(r['wall_s']), 1e-3) for r in ok]),
                mbs=med([byts / 1e6 / max(float(r['wall_s']), 1e-3) for r in ok]), cpu=cpu, cpu_file=cpu / files * 1000,
                rss=f('rss_kib') / 1024, srv=f('server_cpu_s'), ks=f('keystone_cpu_s'), files=files,
                srv_cores=med([float(r['server_cpu_s']) / max(float(r['wall_s']), 1e-3) for r in ok]),
                srv_busy=med([float(r['server_cpu_s']) / max(float(r['wall_s']), 1e-3) - float(r['idle_cores']) for r in ok]),
                cli_cores=med([(float(r['user_s']) + float(r['sys_s'])) / max(float(r['wall_s']), 1e-3) for r in ok]),
                kind=','.join(sorted({r['object_kind'] for r in ok if r['object_kind'] != '-'})) or '',
                segs=med([int(r['segments']) for r in ok]))
def ratio(a, b, k):
    if a is None or b is None or not b[k]: return 'n/a'
    return '%.2f' % (a[k] / b[k])
out = []
p = out.append
p('## Macro: batch upload versus rclone and python-swiftclient')
p('')
if smoke:
    p('**Smoke run on tiny data: it checks the script, its figures mean nothing.**')
    p('')
p('Run: `bench/upload-vs-peers.sh %s` (%s; %s s in all). Every tool uploads the same local files into a new container of the '
  'local cloud (`scripts/devcloud.sh`, %s; Swift on %s; %s), %s run(s) per tool and data set, the order of the tools rotating from run to run, all with N = %s: '
  '`openstack-actors upload --transfers N` (published Release build, the native executable of the linux-x64 tool package; commit %s), '
  '`rclone copy --transfers N --checkers N`, `swift upload --object-threads N` (large objects: `--segment-size S --segment-threads N --use-slo`). '
  'A run counts only when the tool exited 0 and the container then lists exactly as many objects as there are files.'
  % (facts['args'].strip(), 'data under ' + facts['data_fs'], facts['elapsed'], facts['cloud'], facts['swift_storage'], facts['devcloud'], facts['runs'], facts['transfers'], facts['commit']))
p('')
p('Machine: %s vCPU (%s), %s, %s, kernel %s; .NET %s, rclone %s, python-swiftclient %s, Swift %s, Keystone %s; %s. '
  'Load average at the start %s, at the end %s.'
  % (facts['cpus'], facts['cpu_model'], facts['memory'], facts['os'], facts['kernel'], facts['dotnet'], facts['rclone'],
     facts['swiftclient'], facts['swift'], facts['keystone'], facts['date'], facts['load_start'], facts['load_end']))
p('')
p('Columns: medians of the runs. Wall time from start to exit of the tool, so it includes process start-up and authentication; '
  'MB/s in 10^6 bytes. *Client CPU*: user + system seconds of the tool\'s process tree (`/usr/bin/time`); *Peak RSS*: its maximum '
  'resident set. *Server CPU*: user + system seconds of all dev cloud processes during the run (keystone, memcached, swift proxy, '
  'account, container and object servers and updaters; Keystone\'s share in brackets). *Cores*: CPU seconds / wall seconds, '
  'for the client and for the server above its rest level (the dev cloud is never quite idle, even with its updaters stopped; '
  'the rest level, measured before each table, is subtracted). The server shares the %s cores with the client: when client cores + '
  'server cores (+ rest) is near %s, the machine is saturated, and the server\'s share is what limits the rate.' % (facts['cpus'], facts['cpus']))
p('')
p('Large objects: OpenStack.Actors makes a Static Large Object (segments in `<container>_segments`, uploaded in parallel with the '
  'other transfers, the manifest last); `swift upload --use-slo` also makes an SLO, with up to N segments at once '
  '(without `--use-slo` it would make a Dynamic Large Object); rclone 1.60 makes a Dynamic Large Object (`X-Object-Manifest`) whose '
  'segments it uploads one after another within a file, so with 2 files it has at most 2 PUTs on the wire. '
  'Before uploading, OpenStack.Actors (`skip = md5`) lists the container once (up to `preload-listing-limit` objects) and sends no HEAD for a file whose object is not listed; swift sends a HEAD per file (to find old segments); rclone lists the container too. Keystone\'s CPU with no token cache counts the authenticated requests: about one per file for OpenStack.Actors, two for the peers.')
p('')
for ci, cache in enumerate(cache_times):
    crow = [r for r in rows if r['cache'] == cache]
    if not crow: continue
    p('### %s' % (cache_desc(cache)[0].upper() + cache_desc(cache)[1:]))
    p('')
    p('The dev cloud at rest: %.2f cores.' % statistics.median([float(r['idle_cores']) for r in crow]))
    p('')
    p('| Data set | Tool | Runs ok | Wall s | Files/s | MB/s | Client CPU s | Client CPU ms/file | Peak RSS MiB | Server CPU s (Keystone) | Cores: client / server above rest |')
    p('|---|---|---|---|---|---|---|---|---|---|---|')
    sets = [s for s in ('small', 'large', 'slo') if any(r['set'] == s for r in crow if r['kind'] == 'compare')]
    aggs = {}
    for s in sets:
        for t in tools:
            a = agg([r for r in crow if r['kind'] == 'compare' and r['set'] == s and r['tool'] == t])
            aggs[s, t] = a
            n_all = len([r for r in crow if r['kind'] == 'compare' and r['set'] == s and r['tool'] == t])
            if a is None:
                p('| %s | %s | 0/%d | | | | | | | | |' % (set_desc(s), label[t], n_all)); continue
            kind = ' (%s, %d segments)' % (a['kind'], a['segs']) if a['kind'] else ''
            p('| %s | %s%s | %d/%d | %.2f | %.1f | %.1f | %.2f | %.2f | %.0f | %.2f (%.2f) | %.2f / %.2f |'
              % (set_desc(s), label[t], kind, a['n'], a['total'], a['wall'], a['fps'], a['mbs'], a['cpu'], a['cpu_file'], a['rss'],
                 a['srv'], a['ks'], a['cli_cores'], a['srv_busy']))
    p('')
    if 'ours' in tools and len(tools) > 1:
        p('Ours / peer (medians): *speed* > 1 means OpenStack.Actors is faster (files/s and MB/s give the same ratio on the same data); '
          '*client CPU*, *CPU per file* and *peak RSS* < 1 mean it is lighter.')
        p('')
        p('| Data set | Peer | Speed | Client CPU | Peak RSS | Server CPU |')
        p('|---|---|---|---|---|---|')
        for s in sets:
            for t in tools:
                if t == 'ours': continue
                a, b = aggs.get((s, 'ours')), aggs.get((s, t))
                p('| %s | %s | %s | %s | %s | %s |' % (set_desc(s), label[t], ratio(a, b, 'fps'), ratio(a, b, 'cpu'), ratio(a, b, 'rss'), ratio(a, b, 'srv')))
        p('')
    if ci == 0:
        sc = [r for r in crow if r['tool'] == 'ours' and r['set'] == 'small' and (r['kind'] == 'scaling' or r['transfers'] == facts['transfers'])]
        ns = sorted({int(r['transfers']) for r in sc})
        if sc and len(ns) > 1:
            p('Scaling of OpenStack.Actors on the small set (%s), %s:' % (set_desc('small'), cache_desc(cache)))
            p('')
            p('| Transfers | Runs ok | Wall s | Files/s | Client CPU s | Client CPU ms/file | Peak RSS MiB | Server CPU s (Keystone) | Cores: client / server above rest |')
            p('|---|---|---|---|---|---|---|---|---|')
            for n in ns:
                a = agg([r for r in sc if int(r['transfers']) == n])
                if a is None: p('| %d | 0 | | | | | | | |' % n); continue
                p('| %d | %d/%d | %.2f | %.1f | %.2f | %.2f | %.0f | %.2f (%.2f) | %.2f / %.2f |'
                  % (n, a['n'], a['total'], a['wall'], a['fps'], a['cpu'], a['cpu_file'], a['rss'], a['srv'], a['ks'], a['cli_cores'], a['srv_busy']))
            p('')
bad = [r for r in rows if r['status'] != 'ok']
if bad:
    p('Runs not counted: ' + '; '.join('%s %s %s N=%s run %s: %s' % (cache_desc(r['cache']), r['set'], label[r['tool']], r['transfers'], r['run'], r['status']) for r in bad) + '.')
    p('')
print('\n'.join(out))
EOF

HEAD="## Macro: batch upload versus rclone and python-swiftclient"
. "$ROOT/bench/results-section.sh"
write_section "$HEAD" "$SECTION" "$OUT"
log "done in $ELAPSED s: section \"$HEAD\" written to $OUT (raw rows: $TSV, logs: $LOGS)"
bad=$(awk -F'\t' 'NR > 1 && $19 != "ok"' "$TSV" | wc -l)
[ "$bad" = 0 ] || log "$bad run(s) were not counted (see the table's last line)"
cat "$SECTION"
