#!/usr/bin/env bash
# A/B of the observability hooks' cost when nothing observes (no trace, no JFR recording, no
# metrics asked for): the built core against another build of it (BASE=path to its
# core/target/classes, e.g. the commit before the hooks), alternating the two PAIRS times in fresh
# JVMs; prints CPU ns per op for each, then the medians and their ratio. MODE=chan (channel
# ping-pong on one P) or MODE=spawn (spawn+join). EXTRA="-XX:StartFlightRecording" measures the
# same build with a JFR recording running instead (BASE = the same classes).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin"
: "${BASE:?set BASE to the core/target/classes of the build to compare with}"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
"$J/javac" -d "$T" -cp "$ROOT/core/target/classes" "$(dirname "$0")/Overhead.java"
F="-XX:+UseSerialGC -Xms1g -Xmx1g --add-opens java.base/java.lang=ALL-UNNAMED"
MODE="${MODE:-chan}"; N="${N:-$([ "$MODE" = chan ] && echo 200000 || echo 100000)}"
echo "mode=$MODE: this-build base (CPU ns per op)"
a=(); b=()
for i in $(seq "${PAIRS:-8}"); do
  x=$("$J/java" $F ${EXTRA:-} -cp "$T:$ROOT/core/target/classes" Overhead "$MODE" "$N" 13 2>/dev/null | tail -1)
  y=$("$J/java" $F -cp "$T:$BASE" Overhead "$MODE" "$N" 13 2>/dev/null | tail -1)
  echo "$x $y"; a+=("$x"); b+=("$y")
done
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
echo "median: $ma vs $mb, ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", a/b}')"
