#!/usr/bin/env bash
# test.sh - run the whole test suite against the devcloud (Keystone + Swift on 127.0.0.1).
#
# Starts the devcloud itself (scripts/devcloud.sh up: idempotent, ~3 s when it already runs), then
# `dotnet test OpenStack.Actors.sln -c Release`, and closes with a plain "N passed, N failed" line
# counted from the TRX results. Exits with dotnet test's exit code.
# Extra arguments go to dotnet test (e.g. scripts/test.sh --filter 'Category!=Slow').
# The tests get DEVCLOUD_DIR and OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
# (clouds devcloud-admin, devcloud-demo, devcloud-appcred); facts in $DEVCLOUD_DIR/devcloud.env.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1          # no MSBuild nodes left behind holding CI's output open
RESULTS_DIR=${TEST_RESULTS_DIR:-$ROOT/TestResults}

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: dotnet (the .NET SDK) is not on PATH" >&2; exit 1; }
dotnet --version >/dev/null || { echo "test.sh: dotnet --version failed" >&2; exit 1; }

# the devcloud: `up` needs root; without root, use one that already runs
if [ "$(id -u)" = 0 ]; then
  bash "$ROOT/scripts/devcloud.sh" up > /dev/null
elif bash "$ROOT/scripts/devcloud.sh" status > /dev/null 2>&1 && [ -s "$OS_CLIENT_CONFIG_FILE" ]; then
  echo "test.sh: not root; using the devcloud already running in $DEVCLOUD_DIR" >&2
elif command -v sudo >/dev/null 2>&1; then
  sudo DEVCLOUD_DIR="$DEVCLOUD_DIR" bash "$ROOT/scripts/devcloud.sh" up > /dev/null
else
  echo "test.sh: the devcloud is not running and starting it needs root" >&2; exit 1
fi

rm -rf "$RESULTS_DIR"; mkdir -p "$RESULTS_DIR"
rc=0
# one TRX file per test project (a fixed LogFileName would let the projects overwrite each other)
set +e
dotnet test OpenStack.Actors.sln -c Release \
  --results-directory "$RESULTS_DIR" \
  --logger "console;verbosity=normal" \
  --logger "trx;LogFilePrefix=results" \
  "$@" 2>&1 | tee "$RESULTS_DIR/console.log"
rc=${PIPESTATUS[0]}
set -e

# Secrets never appear in output: scan everything the suite printed and recorded (console, TRX) for Keystone
# (fernet) tokens and the dev cloud's application-credential secret. A hit fails the run.
leaks=$(/usr/bin/python3 - "$RESULTS_DIR" "$DEVCLOUD_DIR/devcloud.env" <<'SCAN'
import glob, os, re, sys
results, env_file = sys.argv[1], sys.argv[2]
secrets = []
if os.path.exists(env_file):
    env = dict(l.rstrip('\n').split('=', 1) for l in open(env_file) if '=' in l and not l.startswith('#'))
    secrets = [v for k, v in env.items() if k.endswith('_SECRET') and len(v) >= 8]
fernet = re.compile(r'gAAAAA[A-Za-z0-9_-]{60,}')
hits = 0
for path in glob.glob(os.path.join(results, '**', '*'), recursive=True):
    if not os.path.isfile(path) or not path.endswith(('.log', '.trx')): continue
    for n, line in enumerate(open(path, errors='replace'), 1):
        if fernet.search(line) or any(s in line for s in secrets):
            hits += 1
            if hits <= 10: print(f'{os.path.relpath(path, results)}:{n}: a token or secret was printed (value not shown)')
print(f'{hits} leak(s)' if hits else '', end='')
SCAN
)
if [ -n "$leaks" ]; then
  echo "$leaks" >&2
  echo "test.sh: secrets found in the test output" >&2
  [ "$rc" = 0 ] && rc=1
fi

# The counts, and each failed test with the first lines of its message: CI keeps only the end of the output, so
# the end names what failed. The failures go to failures.txt, which .ci/run repeats with the summary.
summary=$(/usr/bin/python3 - "$RESULTS_DIR" <<'EOF'
import glob, os, sys
import xml.etree.ElementTree as ET
results = sys.argv[1]
passed = failed = files = 0
lines = []
for f in sorted(glob.glob(os.path.join(results, '**', '*.trx'), recursive=True)):
    try:
        root = ET.parse(f).getroot()
    except ET.ParseError:
        continue
    for c in root.iter():
        if c.tag.endswith('}Counters') or c.tag == 'Counters':
            files += 1
            g = lambda k: int(c.get(k, 0) or 0)
            passed += g('passed')
            failed += g('failed') + g('error') + g('timeout') + g('aborted')
            break
    for r in root.iter():
        if not r.tag.endswith('UnitTestResult') or r.get('outcome') not in ('Failed', 'Error', 'Timeout', 'Aborted'):
            continue
        message = ''
        for m in r.iter():
            if m.tag.endswith('}Message') and m.text:
                message = m.text
                break
        lines.append(f"FAILED {r.get('testName')} [{r.get('duration', '')}]")
        lines += ['    ' + l[:300] for l in message.strip().splitlines()[:6]]
with open(os.path.join(results, 'failures.txt'), 'w') as out:
    out.write(''.join(l + '\n' for l in lines))
print(files, passed, failed)
EOF
) || summary="0 0 0"
read -r files passed failed <<< "$summary"
if [ "$files" = 0 ] && [ "$rc" != 0 ]; then
  # e.g. a build failure: no counts to report; CI judges the run by the exit code
  echo "test.sh: no TRX results in $RESULTS_DIR; dotnet test exit code $rc" | tee "$RESULTS_DIR/summary.txt"
  exit "$rc"
fi
[ "$failed" -gt 0 ] && [ "$rc" = 0 ] && rc=1
[ -n "$leaks" ] && failed=$((failed + 1))   # the leak scan counts as a failed test
{ cat "$RESULTS_DIR/failures.txt" 2>/dev/null; echo "$passed passed, $failed failed"; } > "$RESULTS_DIR/summary.txt"
cat "$RESULTS_DIR/summary.txt"
exit "$rc"
