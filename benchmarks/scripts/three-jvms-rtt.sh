#!/bin/bash
# The 64-byte round trip of LinkBenchmark's rows with their three processes (server, receiver,
# sender: LinkPeer's roles) on the host's loopback instead of two namespaces: separates what the
# veth link costs from what separate processes cost. Needs no root.
#
#   flock /tmp/bench.lock benchmarks/scripts/three-jvms-rtt.sh relay|tunnel|quic [round trips]
#   JAR=path/to/benchmarks.jar   (default benchmarks/target/benchmarks.jar)
#   JAVA_OPTS="-Dp2p.quic.busy.poll.us=0 -Drelay.threads=1"   (every JVM, as LinkBenchmark's --jvm-args)
#
# Prints "RTT <count> <p50 ns> <p99 ns> <mean ns>" as the sender measured it, after 256 MiB of
# warm-up bulk, 32 MiB measured and 5,000 warm-up round trips. Every process ends by itself.
set -euo pipefail
KIND=${1:?relay, tunnel or quic}
COUNT=${2:-5000}
JAR=${JAR:-benchmarks/target/benchmarks.jar}
J="java -cp $JAR ${JAVA_OPTS:-} dev.p2p.benchmarks.link.LinkPeer"
WARM=$((256 << 20))
MIB32=$((32 << 20))
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT
# The servers run until their standard input closes: a pipe this shell holds open until it exits.
mkfifo "$OUT/stdin"
exec 4<>"$OUT/stdin"

await() { # FILE: the second word of its READY line, within 30 s
  for _ in $(seq 300); do
    if grep -q '^READY' "$1"; then awk '/^READY/{print $2; exit}' "$1"; return; fi
    sleep 0.1
  done
  echo "no READY in $1: $(cat "$1".err 2>/dev/null)" >&2
  exit 1
}

case $KIND in
  relay)
    $J relay-server 127.0.0.1 < "$OUT/stdin" > "$OUT/server" 2> "$OUT/server.err" &
    SET="P2P_IMPLEMENTATION=quic P2P_QUIC_BIND=127.0.0.1:0 P2P_RELAY_SERVERS=$(await "$OUT/server") P2P_RELAY_ONLY=true"
    LISTEN=127.0.0.1:0 ;;
  tunnel)
    $J tunnel-server 127.0.0.1 < "$OUT/stdin" > "$OUT/server" 2> "$OUT/server.err" &
    SET="P2P_IMPLEMENTATION=tunnel P2P_TUNNEL_SERVER=$(await "$OUT/server")"
    LISTEN=- ;;
  quic)
    SET="P2P_IMPLEMENTATION=quic P2P_QUIC_BIND=127.0.0.1:0"
    LISTEN=127.0.0.1:0 ;;
  *) echo "unknown kind $KIND: relay, tunnel or quic" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # SET is a list of KEY=VALUE words
$J provider-recv $LISTEN $WARM $MIB32 $SET > "$OUT/recv" 2> "$OUT/recv.err" &
TICKET=$(await "$OUT/recv")
# shellcheck disable=SC2086
timeout 300 $J provider-send "$TICKET" $WARM $MIB32 5000 "$COUNT" $SET > "$OUT/send" 2> "$OUT/send.err"
grep '^RTT' "$OUT/send"
