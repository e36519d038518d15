#!/usr/bin/env bash
# Bootstrap for the FAKE build; the README's commands call it. Needs only the .NET SDK (global.json).
# 1. restores the local tools (fake-cli, pinned in .config/dotnet-tools.json);
# 2. restores eng/fake-deps, which downloads the .NET 6 reference pack that FAKE's script compiler needs
#    (a .NET 10-only SDK lacks it) and FAKE's own packages;
# 3. makes a private dotnet root (.nuget-ref/) = the real dotnet + that ref pack, and points FAKE at it;
# 4. runs `dotnet fake build "$@"`. Once this has run, plain `dotnet fake build -t X` works too (FAKE reuses .fake/),
#    until build.fsx changes; then run ./build.sh again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

dotnet tool restore >/dev/null
dotnet restore eng/fake-deps/fake-deps.fsproj --verbosity quiet >/dev/null

packages="${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -e 's/^global-packages: //')}"
refpack="${packages%/}/microsoft.netcore.app.ref/6.0.36"
[ -d "$refpack/ref/net6.0" ] || { echo "build.sh: the .NET 6 reference pack was not restored to $refpack" >&2; exit 1; }

root="$PWD/.nuget-ref/dotnet"
mkdir -p "$root/packs/Microsoft.NETCore.App.Ref"
ln -sfn "$refpack" "$root/packs/Microsoft.NETCore.App.Ref/6.0.36"
ln -sfn "$(readlink -f "$(command -v dotnet)")" "$root/dotnet"
export FAKE_SDK_RESOLVER_CUSTOM_DOTNET_PATH="$root"

exec dotnet fake build "$@"
