#!/usr/bin/env bash
# pack.sh - build the NuGet packages into a local folder: the libraries OpenStack.Actors and OpenStack.Actors.TestKit,
# and OpenStack.Actors.Tool, the openstack-actors command as a .NET tool.
#
#   scripts/pack.sh                  every package of the solution, into artifacts/packages
#   scripts/pack.sh --tool           the tool only
#   scripts/pack.sh --output DIR     another folder
#   scripts/pack.sh --no-build       pack what `dotnet build -c Release` built last (no compile; the tool as its portable
#                                    package only, without the linux-x64 ReadyToRun one, which needs a linux-x64 compile)
#
# The tool is OpenStack.Actors.Tool (a pointer) with OpenStack.Actors.Tool.linux-x64 (ReadyToRun: precompiled, a faster
# start) and OpenStack.Actors.Tool.any (portable); `dotnet tool install` picks the one for the machine from the same folder.
# The version is <Version> in Directory.Build.props, for every package; the build stamps the commit of the git
# checkout into the assemblies (`openstack-actors --version` shows it). Then, with the .NET SDK:
#   dotnet tool install --global OpenStack.Actors.Tool --add-source artifacts/packages
# Prints the packages it wrote (stdout; the build's output goes to stderr).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

OUT=$ROOT/artifacts/packages PROJECT=OpenStack.Actors.sln BUILD=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) PROJECT=src/Host/OpenStack.Actors.Host.csproj ;;
    --output) OUT=$(realpath -m "$2"); shift ;;
    --no-build) BUILD=(--no-build -p:RuntimeIdentifiers= -p:ToolPackageRuntimeIdentifiers=) ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$OUT"
dotnet pack "$PROJECT" -c Release -o "$OUT" "${BUILD[@]}" >&2
# NuGet leaves a package that is newer than everything in it as it is, so list by version, not by time.
VERSION=$(dotnet msbuild src/Host/OpenStack.Actors.Host.csproj -getProperty:PackageVersion)
if [ "$PROJECT" = OpenStack.Actors.sln ]; then ids=(OpenStack.Actors OpenStack.Actors.TestKit OpenStack.Actors.Tool); else ids=(OpenStack.Actors.Tool); fi
for id in "${ids[@]}"; do
  [ -f "$OUT/$id.$VERSION.nupkg" ] || { echo "pack.sh: $OUT/$id.$VERSION.nupkg was not written" >&2; exit 1; }
  echo "$OUT/$id.$VERSION.nupkg"
done
