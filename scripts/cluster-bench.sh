#!/usr/bin/env bash
# Measures the cluster's overhead on this machine (docs/scale-out.md): one worker in a cluster vs a standalone
# 'flam index add' of the same files (default model), the coordination cost per file (many tiny files), and the time
# from SIGKILL of a worker to the cluster declaring it dead and to its files being done by another worker.
# Usage: scripts/cluster-bench.sh [FILES] [SECONDS_PER_FILE]   (needs Debian's postgresql binaries; runs as root or not)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-24}; seconds=${2:-30}
work=$(mktemp -d /tmp/flam-cluster-bench.XXXXXX); chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && $as_pg "$bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=; if [ "$(id -u)" -eq 0 ]; then as_pg="runuser -u postgres --"; fi
mkdir -p "$work/pg"; [ -n "$as_pg" ] && chown postgres "$work/pg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$as_pg "$bin/initdb" -D "$work/pg/data" -A trust -U postgres --no-sync >/dev/null
$as_pg "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $work/pg -c fsync=off" start >/dev/null
conn="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
dotnet build src/Flam.Cli -c Release -v q -nologo >/dev/null
cli=src/Flam.Cli/bin/Release/net10.0/Flam.Cli.dll
flam() { dotnet "$cli" "$@"; }
clips() { # FOLDER COUNT SECONDS SEED: noise with bursts, 16 kHz
  python3 - "$@" <<'PY'
import os, random, struct, sys, wave
folder, count, seconds, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
os.makedirs(folder, exist_ok=True)
for i in range(count):
    r = random.Random(seed + i); n = int(16000 * seconds)
    with wave.open(f"{folder}/clip{seed + i:05d}.wav", "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(r.uniform(-1, 1) * (9000 if (j // 4000) % 7 == 0 else 1500))) for j in range(n)))
PY
}
now() { date +%s.%N; }
clips "$work/warm" 2 "$seconds" 90000
clips "$work/long" "$files" "$seconds" 0
clips "$work/tiny" 200 0.5 50000
# dotnet itself in the background (not a shell function), so that $! is the worker's own process.
worker() { dotnet "$cli" cluster worker --cluster "$conn" --store "$work/store" --name "$1" --probe-seconds "${2:-1}" 2>"$work/$1.log" & pids+=($!); }
joined() { until grep -q "joined cluster" "$work/$1.log" 2>/dev/null; do sleep 0.2; done; }

# Each run's fixed cost (process start, model load or cluster connection, planning) is measured by an add that finds
# everything indexed, and subtracted; the two kinds of run alternate, twice, and the faster of each is kept, since the
# machine's load changes from minute to minute.
timed() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; python3 -c "import sys,time; print(time.time()-float(sys.argv[1]))" "$t0"; }
results=()
for round in 1 2; do
  if [ "${#pids[@]}" -gt 0 ]; then kill -9 "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=(); fi
  rm -rf "$work/standalone.idx" "$work/tiny.idx" "$work/store/shards/w1"
  worker w1; joined w1
  flam index add "$work/warm" --cluster "$conn" >/dev/null   # loads the model on the worker
  results+=("$(timed flam index add "$work/long" --index "$work/standalone.idx")" "$(timed flam index add "$work/long" --index "$work/standalone.idx")")
  results+=("$(timed flam index add "$work/long" --cluster "$conn")" "$(timed flam index add "$work/long" --cluster "$conn")")
  results+=("$(timed flam index add "$work/tiny" --index "$work/tiny.idx")" "$(timed flam index add "$work/tiny" --cluster "$conn")")
done
python3 - "$files" "$seconds" "${results[@]}" <<'PY'
import sys
files, seconds = int(sys.argv[1]), float(sys.argv[2])
r = list(map(float, sys.argv[3:]))
rounds = [r[i:i + 6] for i in range(0, len(r), 6)]
standalone = min(x[0] - x[1] for x in rounds); cluster = min(x[2] - x[3] for x in rounds)
fixed_s = min(x[1] for x in rounds); fixed_c = min(x[3] for x in rounds)
tiny_s = min(x[4] - x[1] for x in rounds); tiny_c = min(x[5] - x[3] for x in rounds)
print(f"rounds (s): " + "; ".join(" ".join(f"{v:.1f}" for v in x) for x in rounds))
print(f"standalone index add: {files} x {seconds:g} s in {standalone:.1f} s net ({files * seconds / standalone:.1f}x real time); fixed cost {fixed_s:.1f} s")
print(f"one worker, cluster : {files} x {seconds:g} s in {cluster:.1f} s net ({files * seconds / cluster:.1f}x real time); fixed cost {fixed_c:.1f} s")
print(f"cluster / standalone throughput: {standalone / cluster * 100:.0f} %")
print(f"200 files of 0.5 s: standalone {tiny_s:.1f} s, cluster {tiny_c:.1f} s net -> coordination {(tiny_c - tiny_s) / 200 * 1000:.0f} ms per file")
PY

# Re-assignment: two more workers, a job of long files, SIGKILL one worker while it indexes.
worker w2; worker w3; joined w2; joined w3   # pids: w1 w2 w3
clips "$work/kill" "$files" "$seconds" 70000
flam index add "$work/kill" --cluster "$conn" >"$work/kill.out" 2>&1 & submit=$!
until [ -n "$(ls "$work/store/shards/w3/segments" 2>/dev/null)" ] && grep -q . <($as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "select 1 from flam_membership where silo_name='w3' and status=3" 2>/dev/null); do sleep 0.2; done
sleep 3
kill -9 "${pids[2]}"; tk=$(now)
until [ "$($as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "select count(*) from flam_membership where silo_name='w3' and status=6")" -ge 1 ]; do sleep 0.1; done; td=$(now)
wait "$submit"; te=$(now)
python3 -c "import sys; k,d,e=map(float,sys.argv[1:]); print(f'SIGKILL -> declared dead: {d-k:.1f} s (probe 1 s); SIGKILL -> whole job done: {e-k:.1f} s')" "$tk" "$td" "$te"
cat "$work/kill.out"
flam cluster status --cluster "$conn" | sed -n '/^job:/,$p'
