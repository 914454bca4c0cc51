#!/usr/bin/env bash
# Load on flam serve: CLIENTS concurrent clients for SECONDS, mixing search, detect (upload) and audio range reads;
# prints p50/p95 latency per kind, errors, and the server's memory. Not a test.
#   bench/serve-load.sh INDEX_DIR UPLOAD_AUDIO [CLIENTS=20] [SECONDS=60]
# Starts 'flam serve' (the built Release CLI) on a free loopback port and stops it afterwards.
set -euo pipefail
index=${1:?usage: bench/serve-load.sh INDEX_DIR UPLOAD_AUDIO [CLIENTS] [SECONDS]}
upload=${2:?usage: bench/serve-load.sh INDEX_DIR UPLOAD_AUDIO [CLIENTS] [SECONDS]}
clients=${3:-20}
seconds=${4:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cli="$root/src/Flam.Cli/bin/Release/net10.0/Flam.Cli.dll"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet "$cli" serve --index "$index" --urls "$url" --max-queued-detections 64 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -fs "$url/api/health" >/dev/null && break; sleep 1; done
file_id=$(curl -fs "$url/api/files" | python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["id"])')
queries=("a dog barking" "a helicopter" "a gunshot" "a woman speaking" "rain" "a bell")

client() {
  local n=$1 end=$((SECONDS + seconds)) i=0
  while [ $SECONDS -lt $end ]; do
    local q=${queries[$(( (n + i) % ${#queries[@]} ))]}
    case $(( (n + i) % 3 )) in
      0) curl -s -o /dev/null -w "search %{http_code} %{time_total}\n" -G "$url/api/search" --data-urlencode "q=$q" --data-urlencode "top=10" ;;
      1) curl -s -o /dev/null -w "detect %{http_code} %{time_total}\n" -F "audio=@$upload" -F "query=$q" "$url/api/detect" ;;
      2) curl -s -o /dev/null -w "audio %{http_code} %{time_total}\n" -H "Range: bytes=$(( i * 4096 ))-$(( i * 4096 + 65535 ))" "$url/api/files/$file_id/audio" ;;
    esac
    i=$((i + 1))
  done >>"$work/client$n.log"
}

peak=0
for n in $(seq 1 "$clients"); do client "$n" & done
while [ "$(jobs -rp | wc -l)" -gt 1 ]; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 1
done

cat "$work"/client*.log | python3 -c '
import sys, statistics
rows = [line.split() for line in sys.stdin if line.strip()]
print(f"{len(rows)} requests by '"$clients"' clients in '"$seconds"' s")
for kind in ("search", "detect", "audio"):
    times = sorted(float(t) * 1000 for k, c, t in rows if k == kind and c in ("200", "206"))
    errors = sum(1 for k, c, t in rows if k == kind and c not in ("200", "206"))
    busy = sum(1 for k, c, t in rows if k == kind and c == "503")
    if times:
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{kind:7s} ok {len(times):5d}  p50 {statistics.median(times):8.1f} ms  p95 {p95:8.1f} ms  errors {errors} (503: {busy})")
    else:
        print(f"{kind:7s} ok 0  errors {errors}")
'
echo "server RSS: peak $((peak / 1024)) MB sampled each second, high-water mark $(awk '/VmHWM/ {print int($2/1024)}' "/proc/$server/status") MB"
