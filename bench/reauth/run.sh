#!/usr/bin/env bash
# bench/reauth/run.sh - reauthentication cost: revoke the session's token server-side while 256 requests are in
# flight and count the Keystone token requests that follow (must be exactly 1 per revocation).
#
#   bench/reauth/run.sh [--revocations K] [--requests N] [--op put|head] [--no-gate] [--out FILE | --no-results]
#
# Starts the local cloud (scripts/devcloud.sh up) when it is not running or when Swift caches tokens (a revoked
# token is only rejected at once with token_cache_time = -1), builds bench/reauth in Release, runs it against the
# cloud devcloud-demo of $DEVCLOUD_DIR/clouds.yaml, and writes the table under "## Reauthentication cost" in
# bench/RESULTS.md (replacing that section; --out FILE writes elsewhere, --no-results nowhere).
# Exit code: the benchmark's (0 = exactly one Keystone token request per revocation and every request succeeded).
# Only 127.0.0.1 is contacted. Other arguments go to the benchmark (see: dotnet .../reauth-bench.dll --help).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
export DEVCLOUD_DIR
OUT=$ROOT/bench/RESULTS.md
WRITE=1
ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --no-results) WRITE=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

log() { printf '[reauth %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
cache_time() { sed -n 's/^token_cache_time *= *//p' "$DEVCLOUD_DIR/etc/swift/proxy-server.conf" 2>/dev/null || true; }

cd "$ROOT"
if ! bash scripts/devcloud.sh status > /dev/null 2>&1 || [ "$(cache_time)" != -1 ]; then
  log "starting the local cloud with token_cache_time=-1 (scripts/devcloud.sh up)"
  DEVCLOUD_AUTHTOKEN_CACHE_TIME=-1 bash scripts/devcloud.sh up > "${TMPDIR:-/tmp}/reauth-devcloud-up.log" 2>&1 \
    || { tail -20 "${TMPDIR:-/tmp}/reauth-devcloud-up.log" >&2; exit 1; }
fi
[ "$(cache_time)" = -1 ] || { log "Swift's token_cache_time is $(cache_time), not -1: a revoked token would still be accepted"; exit 1; }

log "building bench/reauth (Release)"
dotnet build bench/reauth/OpenStack.Actors.Reauth.csproj -c Release -nologo -v quiet > "${TMPDIR:-/tmp}/reauth-build.log" 2>&1 \
  || { tail -30 "${TMPDIR:-/tmp}/reauth-build.log" >&2; exit 1; }

LOAD=$(cut -d' ' -f1 /proc/loadavg)
report=$(mktemp "${TMPDIR:-/tmp}/reauth-report.XXXXXX")
trap 'rm -f "$report"' EXIT
rc=0
OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml timeout 1800 \
  dotnet bench/reauth/bin/Release/net10.0/reauth-bench.dll --cloud devcloud-demo --report "$report" "${ARGS[@]}" || rc=$?

if [ "$WRITE" = 1 ] && [ -s "$report" ]; then
  section=$(mktemp "${TMPDIR:-/tmp}/reauth-section.XXXXXX")
  {
    echo "## Reauthentication cost"
    echo
    echo "Run: \`bench/reauth/run.sh${ARGS[*]:+ ${ARGS[*]}}\` (the console project \`bench/reauth\`, not in the solution), against the local cloud"
    echo "(\`scripts/devcloud.sh up\`, Swift's \`token_cache_time = -1\`, so Swift asks Keystone about every token and a revoked one is"
    echo "rejected at once; here \`DEVCLOUD_DIR=$DEVCLOUD_DIR\`, Keystone $(sed -n 's/^DEVCLOUD_KEYSTONE_URL=//p' "$DEVCLOUD_DIR/devcloud.env")). Exit code $rc."
    echo
    echo "Machine: $(nproc) vCPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null), kernel $(uname -r),"
    echo ".NET $(dotnet --version), $(date -u +%F). Load average at the start: $LOAD."
    echo
    cat "$report"
    echo
    echo "Reading: the count is what the session controls, and it is exact: the first 401 of a token generation restarts the"
    echo "authenticator, which asks Keystone once, and every request that hit a 401 is retried once with the new token. The"
    echo "times are the cloud's: with no token cache Swift validates every token with Keystone, so each held request is rejected"
    echo "only after Keystone looked at the revoked token, and each retry is validated again; the retries queue behind those"
    echo "validations (hence *first ok* long after *new token*), and *all done* is bound by Keystone's validations per second"
    echo "on the shared cores, not by the client."
    if awk -v l="$LOAD" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n + 0) }'; then
      echo
      echo "**The machine was busy during this run (load average $LOAD on $(nproc) cores, other work running): the times are not"
      echo "representative; the counts are.**"
    fi
  } > "$section"
  # replace the section (up to the next "## " heading) or append it
  awk -v head="## Reauthentication cost" -v file="$section" '
    function emit(  l) { while ((getline l < file) > 0) print l; close(file); print ""; done = 1 }
    $0 == head { emit(); skip = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { print ""; emit() } }' "$OUT" > "$OUT.tmp.$$" 2>/dev/null || cp "$section" "$OUT.tmp.$$"
  mv -f "$OUT.tmp.$$" "$OUT"
  rm -f "$section"
  log "wrote the section \"## Reauthentication cost\" of $OUT"
fi
exit $rc
