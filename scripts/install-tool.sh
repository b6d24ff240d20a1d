#!/usr/bin/env bash
# install-tool.sh - pack the openstack-actors tool from this checkout (scripts/pack.sh --tool) and install exactly that
# package into a tool folder, the way a user installs it: `dotnet tool install --tool-path`.
#
#   scripts/install-tool.sh [--tool-path DIR] [--packages DIR] [--no-build]
#
# --tool-path: where the command goes (default artifacts/tool; a tool already there is replaced); --packages: the
# package folder (default artifacts/packages); --no-build: pack what `dotnet build -c Release` built last.
# The install reads the package folder only (no other NuGet source) and asks for the version just packed.
# Prints the path of the installed openstack-actors command (stdout; everything else goes to stderr).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

TOOLS=$ROOT/artifacts/tool PACKAGES=$ROOT/artifacts/packages PACK_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tool-path) TOOLS=$(realpath -m "$2"); shift ;;
    --packages) PACKAGES=$(realpath -m "$2"); shift ;;
    --no-build) PACK_ARGS+=(--no-build) ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-tool.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
package=$(bash scripts/pack.sh --tool --this-machine --output "$PACKAGES" "${PACK_ARGS[@]}")
VERSION=$(basename "$package" .nupkg); VERSION=${VERSION#OpenStack.Actors.Tool.}
if [ -x "$TOOLS/openstack-actors" ]; then
  dotnet tool uninstall OpenStack.Actors.Tool --tool-path "$TOOLS" >&2
fi
dotnet tool install OpenStack.Actors.Tool --tool-path "$TOOLS" --source "$PACKAGES" --version "$VERSION" >&2
echo "$TOOLS/openstack-actors"
