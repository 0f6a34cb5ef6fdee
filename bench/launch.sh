# Sourced by bench/proxy-load.sh: how
# they start the processes they measure, on 127.0.0.1 only, stop them, and send them the load test's request. Each start_* function appends the new process to PIDS (its pid is ${PIDS[-1]}); the
# EXIT trap set here stops all of them, newest first, so the marking Host writes its queued issuance while Azurite still
# runs. Azurite can take its time over SIGTERM, and nothing started here may outlive the script, so whatever is left
# after three seconds gets SIGKILL.
# The caller sets ROOT (the repository) first; the Release builds must exist (the callers build them or say so).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

PIDS=()
launch_cleanup() {
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; sleep 0.2; done
  sleep 3
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap launch_cleanup EXIT

BENCH_DLL="$ROOT/bench/CanaryService.ProxyBench/bin/Release/net10.0/CanaryService.ProxyBench.dll"
PLAIN_DLL="$ROOT/bench/CanaryService.PlainProxy/bin/Release/net10.0/CanaryService.PlainProxy.dll"
HOST_DLL="$ROOT/src/CanaryService.Host/bin/Release/net10.0/CanaryService.Host.dll"

# azurite_connection_string <blob port> <queue port> <table port>: Azurite's well-known development account there.
azurite_connection_string() {
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;' \
    "$key" "$1" "$2" "$3"
}

# start_azurite <blob port> <queue port> <table port> <log>: the package pinned in package.json, in memory. node itself
# runs its CLI (not npx, which would leave its node child running when killed).
start_azurite() {
  [ -d "$ROOT/node_modules/azurite" ] || (cd "$ROOT" && npm ci --silent)
  (cd "$ROOT" && exec node node_modules/azurite/dist/src/azurite.js --inMemoryPersistence --silent --loose --skipApiVersionCheck \
    --blobHost 127.0.0.1 --blobPort "$1" --queueHost 127.0.0.1 --queuePort "$2" --tableHost 127.0.0.1 --tablePort "$3") >"$4" 2>&1 &
  PIDS+=($!)
}

# start_upstream <port> <log>: the fake upstream (a 1,625-character answer: a chat completion as JSON or as 86 SSE
# events; on .../responses a response object as JSON or as 90 typed events).
start_upstream() {
  dotnet "$BENCH_DLL" upstream --urls "http://127.0.0.1:$1" >"$2" 2>&1 &
  PIDS+=($!)
}

# start_plain <port> <upstream port> <log>: the plain YARP proxy, the baseline.
start_plain() {
  dotnet "$PLAIN_DLL" --urls "http://127.0.0.1:$1" --Upstream:BaseUrl="http://127.0.0.1:$2" >"$3" 2>&1 &
  PIDS+=($!)
}

# start_host <CanaryService.Host.dll> <port> <upstream port> <storage connection string> <log> [VAR=value ...]: a marking
# Host as deployed (Production, console logging at Warning, Server GC as Microsoft.NET.Sdk.Web sets it, the master key
# in MASTER_KEY or a fresh one), run from its build folder as a container runs it, so its appsettings.json applies.
# VAR=value: extra environment.
start_host() {
  local dll; dll=$(realpath "$1")
  (cd "$(dirname "$dll")" && exec env "${@:6}" \
    ASPNETCORE_ENVIRONMENT=Production \
    Canary__MasterKey="${MASTER_KEY:-$(head -c 32 /dev/urandom | base64)}" \
    Storage__ConnectionString="$4" \
    Upstream__BaseUrl="http://127.0.0.1:$3" \
    Evidence__AdminKey="bench-admin-key-0123456789" \
    Logging__LogLevel__Default=Warning \
    dotnet "$dll" --urls "http://127.0.0.1:$2") >"$5" 2>&1 &
  PIDS+=($!)
}

# wait_ready <port>...: until each answers a chat completion (at most a minute each).
wait_ready() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 120); do
      curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"messages":[]}' "http://127.0.0.1:$port/v1/chat/completions" 2>/dev/null && break
      sleep 0.5
    done
  done
}

# hey_post <body file> <port> <path> [hey options...]: hey posts the load test's request to that path (one caller key for all).
hey_post() {
  local body=$1 port=$2 path=$3; shift 3
  hey -m POST -T application/json -H 'Authorization: Bearer sk-bench-load' -D "$body" "$@" "http://127.0.0.1:$port$path"
}

# hey_chat <body file> <port> [hey options...]: hey sends the load test's chat completion.
hey_chat() {
  local body=$1 port=$2; shift 2
  hey_post "$body" "$port" /v1/chat/completions "$@"
}

# chat_body <json|stream> [extra members, e.g. '"response_format":{"type":"json_object"},']: the load test's request body.
chat_body() {
  local stream=""; [ "$1" = stream ] && stream='"stream":true,'
  printf '%s' '{"model":"gpt-bench",'"$stream${2:-}"'"messages":[{"role":"user","content":"How do I find where the time goes in a slow service?"}]}'
}

# responses_body <json|stream>: the load test's Responses API request (the same question as chat_body's).
responses_body() {
  local stream=""; [ "$1" = stream ] && stream='"stream":true,'
  printf '%s' '{"model":"gpt-bench",'"$stream"'"input":[{"role":"user","content":"How do I find where the time goes in a slow service?"}]}'
}
