#!/usr/bin/env bash
# The 10-minute soak: the Host as its own process behind a paced load loop (25 req/s, half streamed, 8 accounts)
# against a loopback fake upstream and Azurite; RSS sampled every 10 s; checks zero failures and issuance == requests.
# It runs from a copy of the test output, so rebuilding meanwhile cannot disturb it.
# Usage: tests/CanaryService.Reliability.Tests/soak.sh [seconds=600] [rate=25]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CANARY_SOAK_SECONDS="${1:-600}" CANARY_SOAK_RATE="${2:-25}"
export CANARY_SOAK_REPORT="${CANARY_SOAK_REPORT:-$PWD/artifacts/soak-report.txt}"
mkdir -p artifacts
dotnet build tests/CanaryService.Reliability.Tests -v q -nologo
rm -rf artifacts/soak-bin && cp -r tests/CanaryService.Reliability.Tests/bin/Debug/net10.0 artifacts/soak-bin
dotnet test artifacts/soak-bin/CanaryService.Reliability.Tests.dll --filter "FullyQualifiedName~SoakTests" --logger "console;verbosity=detailed"
cat "$CANARY_SOAK_REPORT"
