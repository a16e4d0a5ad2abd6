#!/usr/bin/env bash
# Runs the demo, `eval stitching` and `chaos` for seeds 1-3 from a checkout and keeps their outputs, so that a
# refactoring can be shown to change nothing: run it on the commit before and after, then compare_outputs.py.
#   scripts/capture_outputs.sh <checkout> <out dir>
# Last line: captured=<out dir>. Exit 1 when any run failed.
set -u
src=$1; out=$2; mkdir -p "$out"; out=$(cd "$out" && pwd)
cd "$src"
failed=0
for s in 1 2 3; do
  ./geostream demo --seed "$s" --out "$out/demo-$s" --ui-port 0 > "$out/demo-$s.stdout" 2> "$out/demo-$s.stderr" || failed=1
  ./geostream eval stitching --seed "$s" --seeds 1 --out "$out/eval-$s" > "$out/eval-$s.stdout" 2> "$out/eval-$s.stderr" || failed=1
  ./geostream chaos --seed "$s" > "$out/chaos-$s.stdout" 2> "$out/chaos-$s.stderr" || failed=1
done
echo "captured=$out"
exit $failed
