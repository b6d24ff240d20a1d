#!/usr/bin/env bash
# bench/client-cost.sh - the client's own cost, as a new user meets it: the installed openstack-actors tool versus rclone.
#
#   bench/client-cost.sh [--smoke] [--runs N] [--files N] [--transfers N] [--tool CMD] [--no-build] [--work DIR] [--out FILE]
#
# What it does (only the dev cloud on 127.0.0.1 is contacted; it restarts and stops nothing, so a shared cloud stays as it is):
#  - installs the tool the way a user does (scripts/install-tool.sh --tool-path <work>/tool: dotnet pack, then
#    dotnet tool install from that package; --no-build packs the last Release build) and runs that command;
#    --tool CMD measures an openstack-actors command installed already instead;
#  - generates once under <work>/data: one file of 100 B, and --files (default 1,000) files of 16 KiB;
#  - for each row, --runs times (default 3; the order of the two tools swaps from run to run), the same --transfers
#    (default 8) for both:
#      upload 1 file of 100 B      openstack-actors upload DIR C --transfers N   |  rclone copy --transfers N --checkers N DIR dc:C
#      upload 1,000 x 16 KiB       the same on the 16 KiB set
#      download 1,000 x 16 KiB     openstack-actors download C DIR --transfers N |  rclone copy --transfers N --checkers N dc:C DIR
#    every upload goes into a new container, which is then checked (objects listed == files) and deleted; downloads read
#    one container filled once by `swift upload` (deleted at the end) into a new local folder, checked (files == objects);
#  - measures each run with /usr/bin/time -v: wall, CPU (user + sys) and peak RSS of the whole process tree; and the
#    server's side of it: the requests the Swift proxy logged during the run and the CPU the dev cloud's serving
#    processes (Keystone, memcached, the Swift proxy, object, container and account servers; not the updaters) spent,
#    both per file: when the server is the limit, the ratio of the two tools' server CPU per file is as fast as one can
#    be relative to the other;
#  - writes the medians, ours / rclone, the machine facts, date and load average as the section
#    "## Client cost versus rclone" of --out (default bench/RESULTS.md, replacing the section if present; with --smoke,
#    1 run and 100 files, the default is <work>/RESULTS-smoke.md). Raw per-run rows: <work>/client-cost-*.tsv.
# Needs the dev cloud up (scripts/devcloud.sh up; DEVCLOUD_DIR, default /tmp/devcloud), rclone, swift, /usr/bin/time.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}

ORIG_ARGS=("$@")
SMOKE=0 RUNS="" FILES="" TRANSFERS=8 TOOL="" NO_BUILD=0 WORK=/tmp/oa-client-cost OUT=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --runs) RUNS=${2:?}; shift ;;
    --files) FILES=${2:?}; shift ;;
    --transfers) TRANSFERS=${2:?}; shift ;;
    --tool) TOOL=${2:?}; shift ;;
    --no-build) NO_BUILD=1 ;;
    --work) WORK=$(realpath -m "${2:?}"); shift ;;
    --out) OUT=$(realpath -m "${2:?}"); shift ;;
    -h|--help) usage 0 ;;
    *) echo "client-cost.sh: unknown argument $1" >&2; usage 2 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then RUNS=${RUNS:-1} FILES=${FILES:-100} OUT=${OUT:-$WORK/RESULTS-smoke.md}; fi
RUNS=${RUNS:-3} FILES=${FILES:-1000} OUT=${OUT:-$ROOT/bench/RESULTS.md}
for v in "$RUNS" "$FILES" "$TRANSFERS"; do [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "client-cost.sh: not a positive integer: $v" >&2; exit 2; }; done

STAMP=$(date +%Y%m%d-%H%M%S)
LOGS=$WORK/logs/$STAMP TSV=$WORK/client-cost-$STAMP.tsv
mkdir -p "$LOGS" "$WORK/data"
log() { printf '[client-cost %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for c in rclone swift /usr/bin/time; do command -v "$c" > /dev/null || die "$c is not installed"; done

# ------------------------------------------------------------------ cloud (as it is; nothing restarted)
[ -f "$DEVCLOUD_DIR/devcloud.env" ] || die "no $DEVCLOUD_DIR/devcloud.env: start the dev cloud first (scripts/devcloud.sh up)"
# shellcheck disable=SC1091
. "$DEVCLOUD_DIR/devcloud.env"
export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
unset OS_CLOUD
. "$ROOT/bench/peer-env.sh"
for v in "$DEVCLOUD_KEYSTONE_URL" "$DEVCLOUD_DEMO_SWIFT_URL"; do
  case $v in http://127.0.0.1:*|http://localhost:*) ;; *) die "refusing a cloud that is not on loopback: $v" ;; esac
done
# A loaded shared cloud can be slow to answer: three tries before giving up.
for try in 1 2 3; do swift stat > /dev/null 2>&1 && break; [ "$try" = 3 ] && die "the dev cloud does not answer (swift stat as the demo user failed 3 times)"; sleep 5; done

# ------------------------------------------------------------------ our tool, as installed
if [ -z "$TOOL" ]; then
  log "installing the tool (scripts/install-tool.sh --tool-path $WORK/tool)"
  args=(--tool-path "$WORK/tool"); [ "$NO_BUILD" = 1 ] && args+=(--no-build)
  TOOL=$(bash "$ROOT/scripts/install-tool.sh" "${args[@]}" 2> "$LOGS/install.log") \
    || { tail -30 "$LOGS/install.log" >&2; die "scripts/install-tool.sh failed"; }
fi
[ -x "$TOOL" ] || die "no command at $TOOL"
TOOL_VERSION=$("$TOOL" --version 2>/dev/null | head -1)
# The form of the installed package: tools/<tfm>/any (IL, JIT-compiled at start) or tools/<tfm>/<rid> (RID-specific).
TOOL_FORM=$(find "$(dirname "$TOOL")/.store" -path '*/tools/net*/*/openstack-actors.dll' 2>/dev/null | head -1 | awk -F/ '{print $(NF-1)}')
# A native (Native AOT) package has no openstack-actors.dll: its command is the executable itself.
native=$(find "$(dirname "$TOOL")/.store" -path '*/tools/*/openstack-actors' -type f 2>/dev/null | head -1)
case $TOOL_FORM in
  any) TOOL_FORM="framework-dependent, portable (tools/.../any)" ;;
  "") if [ -n "$native" ]; then TOOL_FORM="Native AOT package ($(basename "$(dirname "$native")"))"; else TOOL_FORM="as given by --tool"; fi ;;
  *) TOOL_FORM="RID-specific package ($TOOL_FORM)" ;;
esac
dll=$(find "$(dirname "$TOOL")/.store" -path '*/tools/net*/*/openstack-actors.dll' 2>/dev/null | head -1)
if [ -n "$dll" ]; then
  # ReadyToRun code is announced by the CLI header's ManagedNativeHeader directory (empty in an IL-only assembly).
  r2r=$("$PY" - "$dll" <<'PE'
import struct, sys
b = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', b, 0x3c)[0]
nsec, optsize = struct.unpack_from('<H', b, pe + 6)[0], struct.unpack_from('<H', b, pe + 20)[0]
opt = pe + 24
dirs = opt + (96 if struct.unpack_from('<H', b, opt)[0] == 0x10b else 112)
cli_rva = struct.unpack_from('<I', b, dirs + 14 * 8)[0]
def off(rva):
    for i in range(nsec):
        s = opt + optsize + 40 * i
        vsize, va, rawsize, raw = struct.unpack_from('<IIII', b, s + 8)
        if va <= rva < va + max(vsize, rawsize): return rva - va + raw
    return None
o = off(cli_rva)
print('ReadyToRun' if o is not None and struct.unpack_from('<I', b, o + 64)[0] else 'IL only')
PE
  ) || r2r="?"
  TOOL_FORM="$TOOL_FORM, $r2r"
fi
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || COMMIT="$COMMIT+local changes in src/"
log "tool: $TOOL ($TOOL_VERSION; $TOOL_FORM)"

# ------------------------------------------------------------------ data
make_set() {  # name count size -> folder
  local d=$WORK/data/$1
  if [ ! -f "$d.complete" ]; then
    rm -rf "$d"
    "$PY" - "$d" "$2" "$3" <<'EOF'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d)
width = len(str(n - 1))
for i in range(n):
    with open(os.path.join(d, 'f%0*d.bin' % (width, i)), 'wb') as f:
        f.write(os.urandom(size))
EOF
    touch "$d.complete"
  fi
  echo "$d"
}
ONE=$(make_set one-100B 1 100)
MANY=$(make_set "many-${FILES}x16KiB" "$FILES" 16384)
cat "$ONE"/* "$MANY"/* > /dev/null   # the same page-cache state for both tools

# ------------------------------------------------------------------ clean-up
CONTAINERS=()   # left to delete on exit
cleanup_container() { swift -q delete "$1" > /dev/null 2>&1 || true; }
on_exit() {
  local rc=$? c
  trap - EXIT INT TERM
  for c in "${CONTAINERS[@]}"; do cleanup_container "$c"; done
  rm -rf "$WORK/down"
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# The download source: filled once by a third tool, so neither measured tool reads its own metadata back.
SOURCE="occ-source-$$"
CONTAINERS+=("$SOURCE")
log "filling $SOURCE with $FILES x 16 KiB (swift upload)"
(cd "$MANY" && swift -q upload --object-threads 8 "$SOURCE" .) > "$LOGS/source.log" 2>&1 || die "swift upload of the source failed"
listed=$(swift list "$SOURCE" | wc -l)
[ "$listed" = "$FILES" ] || die "the source container lists $listed objects, not $FILES"

# ------------------------------------------------------------------ measuring
printf 'row\ttool\trun\twall_s\tuser_s\tsys_s\trss_kib\texit\tstatus\tserver_cpu_s\trequests\n' > "$TSV"
PROXY_LOG=$DEVCLOUD_DIR/log/swift-proxy.log
server_cpu() {  # -> seconds of CPU (user + sys) the dev cloud's serving processes have used so far
  "$PY" - "$DEVCLOUD_DIR" <<'PYEOF'
import os, sys
ticks, total, me = os.sysconf('SC_CLK_TCK'), 0, str(os.getpid())
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        cmd = open('/proc/%s/cmdline' % pid, 'rb').read().replace(b'\0', b' ').decode(errors='replace')
        stat = open('/proc/%s/stat' % pid).read()
    except OSError:
        continue
    # Swift's daemons name their configuration under the dev cloud's directory; uwsgi's workers carry the names
    # devcloud.sh gives them (devcloud-keystone, devcloud-placement). Not this helper (it names the directory too).
    if pid == me or 'updater' in cmd or not (sys.argv[1] in cmd or cmd.startswith(('devcloud-', 'memcached '))):
        continue
    fields = stat[stat.rindex(')') + 2:].split()
    total += int(fields[11]) + int(fields[12])
print('%.2f' % (total / ticks))
PYEOF
}
parse_time() {  # time -v output -> "wall user sys rss_kib"
  awk -F': ' '
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { r = $2 }
    /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
    END { printf "%s %s %s %s\n", w + 0, u + 0, s + 0, r + 0 }' "$1"
}
measure() {  # row tool run
  local row=$1 tool=$2 run=$3 c="occ-$1-$2-r$3-$$" files cmd=() rc=0 status=ok tf lf target=""
  tf=$LOGS/$row-$tool-r$run.time lf=$LOGS/$row-$tool-r$run.log
  case $row in
    up1) files=1; src=$ONE ;;
    up) files=$FILES; src=$MANY ;;
    down) files=$FILES; target=$WORK/down/$tool-r$run; rm -rf "$target"; mkdir -p "$(dirname "$target")" ;;
  esac
  case $row/$tool in
    up*/ours) cmd=("$TOOL" --os-cloud devcloud-demo upload "$src" "$c" --transfers "$TRANSFERS") ;;
    up*/rclone) cmd=(rclone copy --transfers "$TRANSFERS" --checkers "$TRANSFERS" "$src" "dc:$c") ;;
    down/ours) cmd=("$TOOL" --os-cloud devcloud-demo download "$SOURCE" "$target" --transfers "$TRANSFERS") ;;
    down/rclone) cmd=(rclone copy --transfers "$TRANSFERS" --checkers "$TRANSFERS" "dc:$SOURCE" "$target") ;;
  esac
  [ "$row" = down ] || CONTAINERS+=("$c")
  local cpu0 cpu1 lines0 requests
  cpu0=$(server_cpu) lines0=$(wc -l < "$PROXY_LOG")
  /usr/bin/time -v -o "$tf" "${cmd[@]}" < /dev/null > "$lf" 2>&1 || rc=$?
  cpu1=$(server_cpu) requests=$(tail -n +$((lines0 + 1)) "$PROXY_LOG" | grep -Ec '^proxy-server: [^ ]+ [^ ]+ [^ ]+ [A-Z]+ /(v1/|info)' || true)
  local wall user sys rss got
  read -r wall user sys rss < <(parse_time "$tf")
  if [ "$row" = down ]; then got=$(find "$target" -type f 2>/dev/null | wc -l); rm -rf "$target"
  else got=$(swift list "$c" 2>/dev/null | wc -l); cleanup_container "$c"; fi
  if [ "$rc" != 0 ]; then status="failed(exit $rc)"; elif [ "$got" != "$files" ]; then status="wrong($got of $files)"; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$tool" "$run" "$wall" "$user" "$sys" "$rss" "$rc" "$status" \
    "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.2f", b - a}')" "$requests" >> "$TSV"
  log "$(printf '%-5s %-6s run %d: wall %6.2f s  cpu %5.2f s  rss %4.0f MiB  %s' "$row" "$tool" "$run" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u + s}')" "$(awk -v r="$rss" 'BEGIN{print r / 1024}')" "$status")"
  [ "$status" = ok ] || log "run not counted (log: $lf)"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg) START=$SECONDS
# warm-up, not recorded: the first start of each command (disk cache, the runtime's files) and the server's connections
for tool in ours rclone; do measure up1 "$tool" 0 > /dev/null 2>&1 || true; done
: > "$TSV.tmp"; head -1 "$TSV" > "$TSV.tmp"; mv "$TSV.tmp" "$TSV"
for row in up1 up down; do
  for ((run = 1; run <= RUNS; run++)); do
    if [ $((run % 2)) = 1 ]; then order=(ours rclone); else order=(rclone ours); fi
    for tool in "${order[@]}"; do measure "$row" "$tool" "$run"; done
  done
done
ELAPSED=$((SECONDS - START)) LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ report
FACTS=$LOGS/facts.env
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "memory=$(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)"
  echo "kernel=$(uname -r)"
  echo "dotnet=$(dotnet --list-runtimes 2>/dev/null | awk '/Microsoft.NETCore.App/{v=$2} END{print v}')"
  echo "rclone=$(rclone version 2>/dev/null | head -1 | awk '{print $2}')"
  echo "tool_version=$TOOL_VERSION"
  echo "tool_form=$TOOL_FORM"
  echo "commit=$COMMIT"
  echo "load_start=$LOAD_START"
  echo "load_end=$LOAD_END"
  echo "elapsed=$ELAPSED"
  echo "runs=$RUNS"
  echo "files=$FILES"
  echo "transfers=$TRANSFERS"
  echo "smoke=$SMOKE"
  echo "args=${ORIG_ARGS[*]}"
} > "$FACTS"

SECTION=$LOGS/section.md
"$PY" - "$TSV" "$FACTS" > "$SECTION" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
facts = dict(l.rstrip('\n').split('=', 1) for l in open(sys.argv[2]) if '=' in l)
files = int(facts['files'])
names = {'up1': 'upload 1 file of 100 B', 'up': 'upload %s x 16 KiB' % f'{files:,}', 'down': 'download %s x 16 KiB' % f'{files:,}'}
def med(row, tool, key):
    ok = [r for r in rows if r['row'] == row and r['tool'] == tool and r['status'] == 'ok']
    if not ok: return None, 0
    n = 1 if row == 'up1' else files
    val = {'wall': lambda r: float(r['wall_s']), 'cpu': lambda r: float(r['user_s']) + float(r['sys_s']),
           'rss': lambda r: float(r['rss_kib']) / 1024,
           'reqs': lambda r: float(r['requests']) / n,
           'server': lambda r: float(r['server_cpu_s']) * 1000 / n}[key]
    return statistics.median(val(r) for r in ok), len(ok)
fmt = {'wall': '%.2f s', 'cpu': '%.2f s', 'rss': '%.0f MiB', 'reqs': '%.2f', 'server': '%.1f ms'}
label = {'wall': 'wall', 'cpu': 'CPU (user + sys)', 'rss': 'peak RSS', 'reqs': 'Swift requests per file',
         'server': "the cloud's CPU per file"}
out = []
p = out.append
p('## Client cost versus rclone')
p('')
if facts['smoke'] == '1':
    p('**Smoke run (1 run, few files): it checks the script, its figures mean little.**')
    p('')
p('Run: `bench/client-cost.sh %s` (%s s in all). The tool as a user installs it (`scripts/install-tool.sh`: `dotnet pack`, then '
  '`dotnet tool install --tool-path`; %s; %s; commit %s) against rclone %s, on the dev cloud\'s Swift as it runs (its '
  'updaters running, nothing restarted), both with `--transfers %s` (rclone also `--checkers %s`). %s run(s) per row, the order '
  'of the two tools swapping from run to run; every upload into a new container, checked (objects listed == files) and deleted; '
  'downloads from one container filled by `swift upload`, into a new folder, checked (files == objects). Medians; wall from start '
  'to exit (start-up and authentication included); CPU = user + system seconds and peak RSS = maximum resident set of the '
  'whole process tree (`/usr/bin/time -v`). Ours / rclone < 1: ours is lighter or faster.'
  % (facts['args'].strip(), facts['elapsed'], facts['tool_version'], facts['tool_form'], facts['commit'], facts['rclone'],
     facts['transfers'], facts['transfers'], facts['runs']))
p('')
p('Machine: %s vCPU (%s), %s, %s, kernel %s; .NET runtime %s; %s. Load average (1, 5, 15 min) at the start %s, at the end %s '
  '(the machine is shared: compare the ratios, not the absolute figures, with other runs).'
  % (facts['cpus'], facts['cpu_model'], facts['memory'], facts['os'], facts['kernel'], facts['dotnet'], facts['date'],
     facts['load_start'], facts['load_end']))
p('')
p('| work | ours | rclone | ours / rclone |')
p('|---|---|---|---|')
for row in ('up1', 'up', 'down'):
    for key in ('wall', 'cpu', 'rss', 'reqs', 'server'):
        a, na = med(row, 'ours', key)
        b, nb = med(row, 'rclone', key)
        cell = lambda v: fmt[key] % v if v is not None else 'n/a'
        ratio = '%.2fx' % (a / b) if a is not None and b else 'n/a'
        p('| %s: %s | %s | %s | %s |' % (names[row], label[key], cell(a), cell(b), ratio))
p('')
p("Swift requests per file: the requests the proxy logged during the run (the listing and the container's creation "
  "included), over the files. The cloud's CPU per file: user + system CPU of the dev cloud's serving processes (Keystone, "
  "memcached, the Swift proxy, object, container and account servers; not the updaters) during the run, over the files. "
  "When the cloud is the limit, as it is for the downloads here, a tool can be at most as much faster than the other as "
  "its requests cost the cloud less:")
p('')
for row in ('up', 'down'):
    a, _ = med(row, 'ours', 'server')
    b, _ = med(row, 'rclone', 'server')
    w_a, _ = med(row, 'ours', 'wall')
    w_b, _ = med(row, 'rclone', 'wall')
    if a and b and w_a and w_b:
        p('- %s: rclone\'s requests cost the cloud %.2fx what ours cost; rclone took %.2fx our time.'
          % (names[row], b / a, w_b / w_a))
p('')
bad = [r for r in rows if r['status'] != 'ok']
if bad:
    p('Runs not counted: ' + '; '.join('%s %s run %s: %s' % (names[r['row']], r['tool'], r['run'], r['status']) for r in bad) + '.')
    p('')
print('\n'.join(out))
EOF

HEAD="## Client cost versus rclone"
. "$ROOT/bench/results-section.sh"
write_section "$HEAD" "$SECTION" "$OUT"
log "done in $ELAPSED s: section \"$HEAD\" written to $OUT (raw rows: $TSV, logs: $LOGS)"
cat "$SECTION"
