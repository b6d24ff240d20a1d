#!/usr/bin/env bash
# publish.sh - the openstack-actors command as one self-contained executable, for machines without .NET. For
# linux-x64 (on a linux-x64 machine with clang) it is the Native AOT executable of the tool package; for any other
# RID, the runtime and every assembly in a single file, compiled ahead of time (ReadyToRun) so it starts without JIT
# warm-up.
#
#   scripts/publish.sh [--rid RID] [--output DIR]
#
# --rid: the target platform (default linux-x64); --output: the folder (default artifacts/publish/RID).
# Prints the path of the executable. Copy that one file anywhere and run it; it reads clouds.yaml like the installed
# tool. The single file is not trimmed: Akka.NET creates actors, serializers and the types its HOCON names by
# reflection; the native one keeps Akka.NET's assemblies whole (src/Host/OpenStack.Actors.Host.csproj).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

RID=linux-x64 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) RID=$2; shift ;;
    --output) OUT=$(realpath -m "$2"); shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "publish.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$ROOT/artifacts/publish/$RID}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$OUT"
rm -f "$OUT/openstack-actors" "$OUT/openstack-actors.exe"
if [ "$RID" = linux-x64 ] && [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  dotnet publish src/Host/OpenStack.Actors.Host.csproj -c Release -r "$RID" -o "$OUT" >&2
else
  dotnet publish src/Host/OpenStack.Actors.Host.csproj -c Release -r "$RID" --self-contained -p:PublishAot=false \
    -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:PublishTrimmed=false \
    -o "$OUT" >&2
fi
# The libraries' symbol files stay outside a single-file bundle (the runtime reads them from disk only): one file to copy.
rm -f "$OUT"/*.pdb
exe=$OUT/openstack-actors
[ -f "$OUT/openstack-actors.exe" ] && exe=$OUT/openstack-actors.exe
[ -x "$exe" ] || { echo "publish.sh: $exe was not written" >&2; exit 1; }
echo "$exe"
