#!/usr/bin/env bash
# A/B of the tracer's cost when off: the built core (emit sites present, tracing off) against a
# copy whose Proc has every `if (Trace.on) Trace.xxx(...)` line deleted. Alternates the two, PAIRS
# times; prints CPU ns per round trip for each. MODE=chan measures channel ping-pong. Run from the repo root after `./gort build`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
cp -r "$ROOT/core/target/classes" "$T/stripped"; mkdir "$T/src" "$T/bench"
sed '/if (Trace.on) Trace\./d' "$ROOT/core/src/main/java/dev/gort/runtime/Proc.java" > "$T/src/Proc.java"
"$J/javac" -d "$T/stripped" -cp "$T/stripped" "$T/src/Proc.java"
"$J/javac" -d "$T/bench" -cp "$ROOT/core/target/classes" "$(dirname "$0")/PingPong.java"
F="-XX:+UseSerialGC --add-opens java.base/java.lang=ALL-UNNAMED"
echo "emits-off stripped   (CPU ns per round trip)"
for i in $(seq "${PAIRS:-6}"); do
  a=$("$J/java" $F -cp "$T/bench:$ROOT/core/target/classes" PingPong 200000 13 "${MODE:-park}")
  b=$("$J/java" $F -cp "$T/bench:$T/stripped" PingPong 200000 13 "${MODE:-park}")
  echo "$a $b"
done
