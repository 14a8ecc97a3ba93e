#!/usr/bin/env bash
# Trains each of the course's three models with the course's recipe, in
# tapegrad and in PyTorch (examples/pytorch/course.py), on the same data
# (Fashion-MNIST from Debian's dataset-fashion-mnist by default), one after
# the other, and prints a Markdown table of test accuracy and training time.
#
#   examples/run_course.sh                 # all three trainers
#   examples/run_course.sh mlp mlp-manual  # some of them
#   ROUNDS=2 examples/run_course.sh convnet
#
# DATA=dir overrides the data directory; PYTHON the interpreter (one with torch).
# ROUNDS=n (default 1) trains each model n times on each side, tapegrad first
# in odd rounds and PyTorch first in even ones, so that a host whose speed
# drifts during the runs favours neither side over an even number of
# rounds; the table gives the mean training time, the accuracy of the last
# round, and each run's time.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-out/course}
ROUNDS=${ROUNDS:-1}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "run_course.sh: ROUNDS=$ROUNDS, want a positive integer" >&2; exit 2; }
trainers=("$@")
[ ${#trainers[@]} -gt 0 ] || trainers=(mlp-manual mlp convnet)

mkdir -p "$OUT"
go build -o "$OUT/bin/" ./examples/mlp-manual ./examples/mlp ./examples/convnet

# run_go and run_torch train model $1 in round $2, log to $OUT/$1.{go,torch}.$2.log
# and append the training time to go_times or pt_times.
run_go() {
  "$OUT/bin/$1" -dataset fashion-mnist -data "$DATA" -out "$OUT/$1" 2>/dev/null | tee "$OUT/$1.go.$2.log"
  go_acc=$(tail -n 1 "$OUT/$1.go.$2.log" | awk '{print $3}')
  go_times+=("$(grep '^step' "$OUT/$1.go.$2.log" | tail -n 1 | sed -E 's/.*\(([0-9.]+) s\)$/\1/')")
}
run_torch() {
  "$PYTHON" examples/pytorch/course.py --trainer "$1" --dataset-dir "$DATA" | tee "$OUT/$1.torch.$2.log"
  pt_acc=$(tail -n 1 "$OUT/$1.torch.$2.log" | awk '{print $3}')
  pt_times+=("$(grep '^training time' "$OUT/$1.torch.$2.log" | awk '{print $3}')")
}
mean() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.1f", s / NR}'; }

rows=()
for t in "${trainers[@]}"; do
  go_times=() pt_times=()
  for r in $(seq 1 "$ROUNDS"); do
    if ((r % 2)); then
      run_go "$t" "$r"
      run_torch "$t" "$r"
    else
      run_torch "$t" "$r"
      run_go "$t" "$r"
    fi
  done
  rows+=("| $t | $go_acc | $(mean "${go_times[@]}") s | $pt_acc | $(mean "${pt_times[@]}") s | ${go_times[*]} | ${pt_times[*]} |")
done
echo
echo "Fashion-MNIST, the course's recipes, $(nproc) cores, $(date -u +%Y-%m-%d), $ROUNDS round(s)"
echo
echo "| trainer | tapegrad test accuracy | tapegrad training time | PyTorch test accuracy | PyTorch training time | tapegrad runs (s) | PyTorch runs (s) |"
echo "|---|--:|--:|--:|--:|--:|--:|"
printf '%s\n' "${rows[@]}"
