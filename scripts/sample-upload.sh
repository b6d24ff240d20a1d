#!/usr/bin/env bash
# sample-upload.sh - the README's main job in one command: start the local cloud, make a sample data set,
# upload it to Swift with the openstack-actors tool, and upload it again to show that nothing is re-sent.
# The tool is the one a user installs: this checkout packed (scripts/pack.sh --tool) and that package installed with
# `dotnet tool install --tool-path` into a temporary folder (scripts/install-tool.sh), removed at the end; with
# OPENSTACK_ACTORS_TOOL set, that installed command instead.
#
#   scripts/sample-upload.sh                 devcloud (scripts/devcloud.sh up), cloud devcloud-demo
#   OS_CLOUD=mycloud scripts/sample-upload.sh --real
#                                            a real cloud from your clouds.yaml (no devcloud started)
#
# Options: --real (use $OS_CLOUD / --os-cloud, do not start the devcloud), --os-cloud NAME, --fresh (regenerate
# ./sample-data), --container NAME (default: sample on a real cloud; a new sample-<time> on the devcloud, so every
# demo run uploads), --segment-size SIZE (default: 8MiB).
# The data: 500 files of 1-64 KiB in nested directories whose names hold spaces and +&=, and two files of
# 24 MiB, larger than the segment size, so they go up as Static Large Objects of 3 segments each.
# Writes out/report.json (first run) and out/report-rerun.json. Exits non-zero if an upload failed or the
# rerun sent anything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

REAL=0 FRESH=0 CLOUD="" CONTAINER="" SEGMENT=8MiB
while [ $# -gt 0 ]; do
  case "$1" in
    --real) REAL=1 ;;
    --fresh) FRESH=1 ;;
    --os-cloud) CLOUD=$2; shift ;;
    --container) CONTAINER=$2; shift ;;
    --segment-size) SEGMENT=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "sample-upload.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The installed command finds the .NET runtime through DOTNET_ROOT when it is not in the standard place.
if [ -z "${DOTNET_ROOT:-}" ] && command -v dotnet > /dev/null; then
  DOTNET_ROOT=$(dirname "$(readlink -f "$(command -v dotnet)")"); export DOTNET_ROOT
fi
if [ -n "${OPENSTACK_ACTORS_TOOL:-}" ]; then
  # CI installs the tool once (scripts/install-tool.sh) for the tests and this job.
  OSA=$OPENSTACK_ACTORS_TOOL
  echo "== the openstack-actors tool installed already: $OSA"
else
  TOOL_DIR=$(mktemp -d -t openstack-actors-tool.XXXXXX)
  trap 'rm -rf "$TOOL_DIR"' EXIT
  echo "== packing the openstack-actors tool and installing that package into $TOOL_DIR (scripts/install-tool.sh)"
  OSA=$(bash scripts/install-tool.sh --tool-path "$TOOL_DIR")
fi
"$OSA" --version

if [ "$REAL" = 0 ]; then
  export DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
  echo "== starting the local cloud (scripts/devcloud.sh up)"
  bash scripts/devcloud.sh up > /dev/null
  export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml
  CLOUD=${CLOUD:-devcloud-demo}
fi
if [ -z "$CONTAINER" ]; then
  if [ "$REAL" = 0 ]; then CONTAINER=sample-$(date +%Y%m%d-%H%M%S); else CONTAINER=sample; fi
fi
CLOUD_ARGS=()
[ -n "$CLOUD" ] && CLOUD_ARGS=(--os-cloud "$CLOUD")

DATA=$ROOT/sample-data
MARKER=$ROOT/out/.sample-data-complete   # outside the data, so it is not uploaded
mkdir -p "$ROOT/out"
if [ "$FRESH" = 1 ] || [ ! -f "$MARKER" ] || [ ! -d "$DATA" ]; then
  echo "== generating $DATA: 500 files of 1-64 KiB and 2 files of 24 MiB"
  rm -rf "$DATA" "$MARKER"
  /usr/bin/env python3 - "$DATA" <<'EOF'
import os, random, sys
root = sys.argv[1]
rng = random.Random(4)
dirs = ["docs", "docs/2024 reports", "images/a+b", "images/a+b/thumbs & previews", "data/x=1", "data/x=1/y=2", "misc/with space"]
for i in range(500):
    d = os.path.join(root, dirs[i % len(dirs)])
    os.makedirs(d, exist_ok=True)
    name = f"file {i:03d} {'+&='[i % 3]}.bin"
    with open(os.path.join(d, name), "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 64 * 1024)))
big = os.path.join(root, "large files")
os.makedirs(big, exist_ok=True)
for n in ("video one.bin", "disk+image.bin"):
    with open(os.path.join(big, n), "wb") as f:
        for _ in range(24):
            f.write(rng.randbytes(1 << 20))
EOF
  touch "$MARKER"
fi

run() {  # report-file
  "$OSA" "${CLOUD_ARGS[@]}" upload ./sample-data "$CONTAINER" --segment-size "$SEGMENT" --report "$1" | tee "$ROOT/out/last-summary.txt"
  return "${PIPESTATUS[0]}"
}

echo "== uploading ./sample-data to container '$CONTAINER' (${CLOUD:-OS_CLOUD/OS_* cloud}, segment size $SEGMENT)"
run out/report.json
echo
echo "== uploading again: everything is stored already, so everything is skipped"
run out/report-rerun.json
if ! grep -q '^Uploaded: 0 ' "$ROOT/out/last-summary.txt"; then
  echo "sample-upload.sh: the rerun uploaded files again" >&2
  exit 1
fi
echo
echo "Reports: out/report.json, out/report-rerun.json"
