#!/usr/bin/env bash
# million-files.sh - the client at scale: uploads of 10,000 and 1,000,000 tiny files into new containers of a fast stand-in
# Swift (bench/StandInSwift: the TestKit's in-memory Keystone + Swift over Kestrel on 127.0.0.1), then the same uploads
# again into the same containers (every file skipped from the container's listing), each under /usr/bin/time -v: the
# client's peak RSS, CPU (user+sys) and wall time, and files/s. Measures the installed tool (scripts/install-tool.sh).
#
#   bench/million-files.sh [--work DIR] [--out FILE] [--smoke] [--counts "N1 N2"] [--transfers N] [--tool PATH]
#
# --work: trees, the tool, logs and reports (default /tmp/oa-million; trees are kept and reused between runs);
# --out: the results file whose "## Scale: a million files" section is replaced (default bench/RESULTS.md; - for stdout
# only); --smoke: 1,000 and 20,000 files, a quick check; --counts: other tree sizes (the first is the reference of the
# RSS ratio); --transfers: the tool's --transfers (default 16); --tool: measure this command instead of installing one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

WORK=/tmp/oa-million OUT=$ROOT/bench/RESULTS.md COUNTS="10000 1000000" TRANSFERS=16 TOOL=""
while [ $# -gt 0 ]; do
  case "$1" in
    --work) WORK=$(realpath -m "$2"); shift ;;
    --out) OUT=$2; [ "$OUT" = - ] || OUT=$(realpath -m "$2"); shift ;;
    --smoke) COUNTS="1000 20000" ;;
    --counts) COUNTS=$2; shift ;;
    --transfers) TRANSFERS=$2; shift ;;
    --tool) TOOL=$(realpath "$2"); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "million-files.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "million-files.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
mkdir -p "$WORK"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ -z "$TOOL" ]; then
  echo "== installing the tool into $WORK/tool" >&2
  TOOL=$(bash scripts/install-tool.sh --tool-path "$WORK/tool")
fi
STANDIN=$ROOT/bench/StandInSwift/bin/Release/net10.0/StandInSwift
if [ ! -x "$STANDIN" ] || [ -n "$(find bench/StandInSwift src/TestKit src/Actors -newer "$STANDIN" \( -name '*.cs' -o -name '*.csproj' \) -print -quit)" ]; then
  echo "== building the stand-in Swift" >&2
  dotnet build bench/StandInSwift/StandInSwift.csproj -c Release -v quiet -nologo >&2
fi

# Trees: d0000/f0000000.txt ..., 1,000 files a directory, each a few bytes. Written once and reused (tree-N.complete,
# beside the tree, marks a whole one).
make_tree() {
  local n=$1 dir=$WORK/tree-$1
  [ -e "$dir.complete" ] && return 0
  echo "== writing $n files under $dir" >&2
  rm -rf "$dir"
  python3 - "$dir" "$n" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // 1000))
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%07d.txt" % i), "w") as f: f.write("file %d\n" % i)
EOF
  touch "$dir.complete"
}

CLOUDS=$WORK/clouds.yaml
"$STANDIN" --port 0 --clouds-yaml "$CLOUDS" > "$WORK/standin.out" 2> "$WORK/standin.err" &
STANDIN_PID=$!
trap 'kill "$STANDIN_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q '^listening ' "$WORK/standin.out" 2>/dev/null && break; sleep 0.2; done
URL=$(awk '/^listening /{print $2}' "$WORK/standin.out")
[ -n "$URL" ] || { echo "million-files.sh: the stand-in did not start: $(cat "$WORK/standin.err")" >&2; exit 1; }
echo "== stand-in Swift at $URL" >&2
export OS_CLIENT_CONFIG_FILE=$CLOUDS
unset OS_CLOUD

stats() { curl -s "$URL/_standin/stats"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# One measured run: prints "files user sys wall rss_kib objects_heads" after checking the summary's counts.
ROWS=()
measure() {
  local n=$1 container=$2 what=$3 expect=$4 log=$WORK/run-$1-$3.log time=$WORK/time-$1-$3.txt
  local heads_before heads_after
  heads_before=$(stats | field HEAD)
  if ! /usr/bin/time -v -o "$time" "$TOOL" --os-cloud standin upload "$WORK/tree-$n" "$container" --transfers "$TRANSFERS" \
      --report "$WORK/report-$n-$what.json" > "$log" 2> "$WORK/run-$n-$what.err"; then
    echo "million-files.sh: the $what upload of $n files failed; see $log and $WORK/run-$n-$what.err" >&2; exit 1
  fi
  heads_after=$(stats | field HEAD)
  grep -q "$expect" "$log" || { echo "million-files.sh: expected '$expect' in the $what upload of $n files:" >&2; cat "$log" >&2; exit 1; }
  local user sys wall rss
  user=$(awk -F': ' '/User time/{print $2}' "$time"); sys=$(awk -F': ' '/System time/{print $2}' "$time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$time" | awk -F: '{ s=0; for (i=1;i<=NF;i++) s=s*60+$i; print s }')
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$time")
  ROWS+=("$n $what $user $sys $wall $rss $((heads_after - heads_before))")
  echo "   $what $n files: user ${user}s sys ${sys}s wall ${wall}s peak RSS $((rss / 1024)) MiB, HEADs $((heads_after - heads_before))" >&2
}

for n in $COUNTS; do
  make_tree "$n"
  container="million-$n-$(date +%s)"
  echo "== $n files: upload into $container, then again (all skipped)" >&2
  measure "$n" "$container" upload "Uploaded: $n  Skipped: 0  Failed: 0"
  measure "$n" "$container" rerun "Uploaded: 0  Skipped: $n  Failed: 0"
done
STANDIN_RSS=$(stats | field rssBytes)

TABLE=$(python3 - "$TRANSFERS" "$STANDIN_RSS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "${ROWS[@]}" <<'EOF'
import sys
transfers, standin_rss, cores, load = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [r.split() for r in sys.argv[5:]]
ref = {}
for n, what, user, sys_, wall, rss, heads in rows:
    ref.setdefault(what, int(rss))
out = ["| files | run | wall | files/s | CPU (user+sys) | CPU per 1,000 files | peak RSS | RSS / first size | HEADs |",
       "|---|---|---|---|---|---|---|---|---|"]
for n, what, user, sys_, wall, rss, heads in rows:
    n, cpu, wall, rss = int(n), float(user) + float(sys_), float(wall), int(rss)
    out.append(f"| {n:,} | {what} | {wall:.1f} s | {n / wall:,.0f} | {cpu:.1f} s | {cpu * 1000 / n:.2f} s | {rss / 1024:.0f} MiB | "
               f"{rss / ref[what]:.2f}x | {int(heads):,} |")
out.append("")
out.append(f"`--transfers {transfers}`, `--report` on; {cores} cores, load average {load} at the end; the stand-in's RSS at the end "
           f"{standin_rss / 2**20:.0f} MiB (not counted). upload: into a new container; rerun: the same tree into the same "
           "container, every file skipped from the container's listing (HEADs: object HEADs the stand-in served during the run).")
print("\n".join(out))
EOF
)
SECTION="## Scale: a million files

bench/million-files.sh on $(date -u +%Y-%m-%d): the installed tool against bench/StandInSwift (the TestKit's in-memory
Swift over Kestrel on 127.0.0.1), trees of tiny files (a few bytes each, 1,000 a directory).

$TABLE"
echo "$SECTION"
if [ "$OUT" != - ]; then
  python3 - "$OUT" "$SECTION" <<'EOF'
import re, sys, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2].rstrip() + "\n"
text = path.read_text() if path.exists() else ""
pattern = re.compile(r"^## Scale: a million files\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda m: section + "\n", text, count=1) if pattern.search(text) else text.rstrip() + "\n\n" + section
path.write_text(text)
EOF
  echo "== wrote the section into $OUT" >&2
fi
