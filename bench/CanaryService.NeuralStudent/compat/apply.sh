#!/usr/bin/env bash
# Makes TorchSharp's native wrapper load on a libstdc++ older than GCC 13.2 (e.g. Debian 12), in a build output folder:
# marks its GLIBCXX_3.4.32 requirement weak and builds a shim that provides the one symbol of that version it uses.
# Prints the LD_PRELOAD value to run the student with (empty when the system's libstdc++ is recent enough).
# Usage: bench/CanaryService.NeuralStudent/compat/apply.sh BUILD_OUTPUT_FOLDER
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(cd "$1" && pwd)"
lib="$out/runtimes/linux-x64/native/libLibTorchSharp.so"
[ -f "$lib" ] || { echo "no $lib" >&2; exit 2; }
if ! ldd "$lib" 2>&1 | grep -q "GLIBCXX_3.4.32' not found"; then
  exit 0
fi
python3 "$here/weaken_version.py" "$lib" GLIBCXX_3.4.32 >&2
g++ -O2 -shared -fPIC -Wl,--version-script="$here/ios_base_shim.map" -o "$out/libglibcxx-shim.so" "$here/ios_base_shim.cpp"
echo "$out/libglibcxx-shim.so"
