#!/usr/bin/env bash
# Installs the flam command from this source tree: publishes src/Flam.Cli for this machine (framework-dependent,
# Linux x64 only) into PREFIX/lib/flam and puts a `flam` launcher into PREFIX/bin.
#   scripts/install.sh [PREFIX]      (default: ~/.local; needs the .NET 10 SDK)
# Why not `dotnet tool install`: the tool package bundles libtorch (474 MB) and NuGet.org refuses packages over 250 MB.
set -euo pipefail
prefix=${1:-"$HOME/.local"}
root=$(cd "$(dirname "$0")/.." && pwd)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) rid=linux-x64 ;;
  *)
    echo "error: scripts/install.sh supports Linux x64 only (this is $(uname -s) $(uname -m))." >&2
    echo "Flam references libtorch's split Linux x64 package; elsewhere run it from the source tree with" >&2
    echo "  dotnet run --project \"$root/src/Flam.Cli\" -c Release -- ARGS" >&2
    echo "which uses TorchSharp's all-platform libtorch-cpu package (~1.2 GB restore)." >&2
    exit 1 ;;
esac
command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK (dotnet) is not on PATH; see https://dotnet.microsoft.com/download" >&2; exit 1; }

lib="$prefix/lib/flam"
bin="$prefix/bin"
mkdir -p "$bin"
# Published next to the old version and swapped in, so an interrupted install leaves the old one working.
staging="$lib.new.$$"
trap 'rm -rf "$staging"' EXIT
dotnet publish "$root/src/Flam.Cli" -c Release -r "$rid" --self-contained false --nologo -v quiet -o "$staging"
rm -rf "$lib.old"
if [ -d "$lib" ]; then mv "$lib" "$lib.old"; fi
mv "$staging" "$lib"
rm -rf "$lib.old"

launcher="$bin/flam"
printf '#!/bin/sh\nexec "%s/Flam.Cli" "$@"\n' "$lib" > "$launcher.tmp"
chmod +x "$launcher.tmp"
mv "$launcher.tmp" "$launcher"

echo "installed: $launcher -> $lib ($(du -sh "$lib" | cut -f1))"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "note: $bin is not on PATH; add it, e.g. export PATH=\"$bin:\$PATH\"" ;;
esac
