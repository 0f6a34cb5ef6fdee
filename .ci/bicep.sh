#!/usr/bin/env bash
# Validates infra-bicep/ offline: the Bicep CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64
# (restored into .tools/, no other download), then `bicep build` and `bicep lint` of every .bicep file and
# `bicep build-params` of every .bicepparam file, with any warning treated as a failure.
#
#   bash .ci/bicep.sh           install (if needed) and validate
#   bash .ci/bicep.sh install   install (if needed) and print the path of the bicep executable
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bicep_version=0.49.2
tools="$root/.tools/bicep-$bicep_version"
bicep="$tools/bicep"

install_bicep() {
  [ -x "$bicep" ] && return 0
  mkdir -p "$tools"
  # A throwaway project whose only job is a PackageDownload. The repository's Directory.*.props (central package
  # management, analyzers) are switched off for it with global properties, so nothing else is restored.
  cat > "$tools/bicep-download.proj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$bicep_version]" />
  </ItemGroup>
</Project>
PROJ
  dotnet restore "$tools/bicep-download.proj" --packages "$tools/packages" \
    -p:ImportDirectoryBuildProps=false -p:ImportDirectoryPackagesProps=false \
    -p:ManagePackageVersionsCentrally=false --verbosity quiet >&2
  # Copy into place atomically so a concurrent caller (CI and the test fixture) never sees a partial file.
  cp "$tools/packages/azure.bicep.commandline.linux-x64/$bicep_version/tools/bicep" "$bicep.tmp.$$"
  chmod +x "$bicep.tmp.$$"
  mv -f "$bicep.tmp.$$" "$bicep"
  rm -rf "$tools/packages" "$tools/obj"
}

install_bicep
if [ "${1:-}" = "install" ]; then
  echo "$bicep"
  exit 0
fi

"$bicep" --version
# main.bicepparam reads the master key from the environment (it is never committed); validation needs a value of
# the right shape, so a throwaway random one stands in when none is set.
export CANARY_MASTER_KEY="${CANARY_MASTER_KEY:-$(head -c 32 /dev/urandom | base64)}"
out="$tools/out"
rm -rf "$out" && mkdir -p "$out"
failed=0

# Runs one bicep command; fails on a non-zero exit code or on any diagnostic (warnings included).
check() {
  local label=$1; shift
  local log
  if ! log=$("$bicep" "$@" 2>&1); then
    echo "FAIL $label"; echo "$log"; failed=1; return
  fi
  if echo "$log" | grep -Eq '(Warning|Error|Info) [A-Za-z0-9-]+:|: (Warning|Error) '; then
    echo "FAIL $label (diagnostics are failures)"; echo "$log"; failed=1; return
  fi
  echo "ok   $label"
}

while IFS= read -r file; do
  name=$(echo "$file" | tr '/' '_')
  check "build $file" build "$file" --outfile "$out/$name.json"
  check "lint  $file" lint "$file"
done < <(find infra-bicep -name '*.bicep' | sort)

while IFS= read -r file; do
  name=$(echo "$file" | tr '/' '_')
  check "build-params $file" build-params "$file" --outfile "$out/$name.json"
  check "lint  $file" lint "$file"
done < <(find infra-bicep -name '*.bicepparam' | sort)

if [ "$failed" -ne 0 ]; then
  echo "bicep: validation failed"
  exit 1
fi
echo "bicep: all files build and lint clean"
