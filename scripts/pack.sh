#!/usr/bin/env bash
# pack.sh - build the NuGet packages into a local folder: the libraries OpenStack.Actors and OpenStack.Actors.TestKit,
# and OpenStack.Actors.Tool, the openstack-actors command as a .NET tool.
#
#   scripts/pack.sh                  every package of the solution, into artifacts/packages
#   scripts/pack.sh --tool           the tool only
#   scripts/pack.sh --output DIR     another folder
#   scripts/pack.sh --this-machine   the tool's pointer and the one package `dotnet tool install` picks here (on
#                                    linux-x64 the native one; elsewhere the portable one): what install-tool.sh installs
#   scripts/pack.sh --no-build       pack what `dotnet build -c Release` built last (no compile; the tool as one portable
#                                    package, without the linux-x64 native one, which needs a native compile)
#
# The tool is OpenStack.Actors.Tool (a pointer) with OpenStack.Actors.Tool.linux-x64 (a Native AOT executable: no .NET
# runtime to start, no JIT) and OpenStack.Actors.Tool.any (portable, needs the .NET runtime); `dotnet tool install` picks
# the one for the machine from the same folder. The native compile needs clang: as root on Debian/Ubuntu this script
# installs it (apt-get install clang) when it is missing, and falls back to gcc when that fails; on any other platform
# than linux-x64 only the pointer and the portable package are written.
# The version is <Version> in Directory.Build.props, for every package; the build stamps the commit of the git
# checkout into the assemblies (`openstack-actors --version` shows it). Then, with the .NET SDK:
#   dotnet tool install --global OpenStack.Actors.Tool --add-source artifacts/packages
# Prints the packages it wrote (stdout; the build's output goes to stderr).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

OUT=$ROOT/artifacts/packages PROJECT=OpenStack.Actors.sln BUILD=() THIS_MACHINE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) PROJECT=src/Host/OpenStack.Actors.Host.csproj ;;
    --output) OUT=$(realpath -m "$2"); shift ;;
    --no-build) BUILD=(--no-build -p:RuntimeIdentifiers= -p:ToolPackageRuntimeIdentifiers=) ;;
    --this-machine) THIS_MACHINE=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$OUT"
dotnet pack "$PROJECT" -c Release -o "$OUT" "${BUILD[@]}" >&2
if [ ${#BUILD[@]} = 0 ]; then
  # The tool's packages for one platform each: PublishAot makes `dotnet pack` write only the pointer.
  HOST=src/Host/OpenStack.Actors.Host.csproj
  NATIVE=0; [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] && NATIVE=1
  if [ "$THIS_MACHINE" = 0 ] || [ "$NATIVE" = 0 ]; then dotnet pack "$HOST" -c Release -o "$OUT" -r any >&2; fi
  if [ "$NATIVE" = 1 ]; then
    # The native compile links with clang (the SDK falls back to gcc when there is no clang).
    if ! command -v clang > /dev/null; then
      if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "pack.sh: installing clang (the native compile links with it)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang >&2 \
          || { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang >&2; } \
          || true
      fi
      if ! command -v clang > /dev/null; then
        command -v gcc > /dev/null || { echo "pack.sh: the linux-x64 tool package is compiled to native code, which needs clang (or gcc): apt-get install clang (or --no-build for the portable package only)" >&2; exit 1; }
        echo "pack.sh: no clang; the native compile links with gcc" >&2
      fi
    fi
    dotnet pack "$HOST" -c Release -o "$OUT" -r linux-x64 >&2
  fi
fi
# NuGet leaves a package that is newer than everything in it as it is, so list by version, not by time.
VERSION=$(dotnet msbuild src/Host/OpenStack.Actors.Host.csproj -getProperty:PackageVersion)
if [ "$PROJECT" = OpenStack.Actors.sln ]; then ids=(OpenStack.Actors OpenStack.Actors.TestKit OpenStack.Actors.Tool); else ids=(OpenStack.Actors.Tool); fi
for id in "${ids[@]}"; do
  [ -f "$OUT/$id.$VERSION.nupkg" ] || { echo "pack.sh: $OUT/$id.$VERSION.nupkg was not written" >&2; exit 1; }
  echo "$OUT/$id.$VERSION.nupkg"
done
