#!/usr/bin/env bash
# Peak memory of a monitor that expires 200,000 idle rollouts at once (BENCHMARKS.md, "Memory under mass
# expiry"). Starts an embedded broker and the monitor from JAR on loopback ports, feeds 200,000 rollouts of
# two tokens that never complete (idle timeout 1h), stops the monitor, waits past a 60 s idle timeout and
# starts it again with that timeout: its first scan finds every rollout idle. Prints peak RSS, time to
# expire them all and the ERROR lines of the expiring run. Needs kcat, curl and python3.
#   benchmarks/mass-expiry.sh LABEL JAR "JAVA OPTIONS" [WORK_DIR] [BROKER_PORT] [HTTP_PORT]
set -u
label=$1; jar=$2; opts=$3
work=${4:-.canopy/mass-expiry}/$label; bport=${5:-22092}; hport=${6:-22400}
rm -rf "$work"; mkdir -p "$work"
log() { echo "$(date +%T) $*" | tee -a "$work/summary.txt"; }
metric() { curl -s "http://127.0.0.1:$hport/metrics" | awk -v n="$1" '$1 ~ "^"n {s+=$2} END {printf "%d", s}'; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
python3 -c "
with open('$work/idle.tsv', 'w') as f:
    for i in range(200000):
        for p in range(2):
            f.write('idle-%06d\t{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"idle-%06d\",\"position\":%d,\"logprob\":-0.5}\n' % (i, i, p))"
java -Xmx1g -jar "$jar" broker --port "$bport" > "$work/broker.log" 2>&1 & bpid=$!
until grep -q "listening" "$work/broker.log"; do sleep 1; done
start_monitor() { # phase, idle timeout
  CANOPY_IDLE_TIMEOUT=$2 java $opts -jar "$jar" run --bootstrap-servers "127.0.0.1:$bport" --http-port "$hport" \
      --state-dir "$work/state" >> "$work/monitor-$1.log" 2>&1 &
  mpid=$!
  until curl -sf "http://127.0.0.1:$hport/readyz" >/dev/null; do sleep 1; kill -0 $mpid || { log "monitor died"; return 1; }; done
}
start_monitor ingest 1h || exit 1
log "$label: monitor ready (opts '$opts')"
kcat -P -b "127.0.0.1:$bport" -t canopy.tokens -K $'\t' -l "$work/idle.tsv"
until [ "$(metric canopy_rollouts_in_flight)" -ge 200000 ]; do sleep 2; done
log "$label: 200000 in flight; peak RSS while ingesting $(hwm $mpid) MiB"
kill $mpid; wait $mpid
sleep 65
start_monitor expire 60s || exit 1
peak=0; t0=$SECONDS
while [ "$(metric canopy_rollouts_abandoned_total)" -lt 200000 ] && [ $((SECONDS - t0)) -lt 1500 ]; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$mpid/status"); [ "$rss" -gt "$peak" ] && peak=$rss; sleep 0.5
done
log "$label: expired $(metric canopy_rollouts_abandoned_total) in $((SECONDS - t0)) s after ready; peak RSS $(hwm $mpid) MiB (sampled $((peak / 1024)) MiB)"
sleep 20
log "$label: ERROR lines $(grep -c ' ERROR ' "$work/monitor-expire.log"); report: $(curl -s "http://127.0.0.1:$hport/api/v1/report" | head -c 400 | tr -d '\n ')"
kill $mpid; wait $mpid
kill $bpid; wait $bpid
