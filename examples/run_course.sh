#!/usr/bin/env bash
# Trains each of the course's three models with the course's recipe, in
# tapegrad and in PyTorch (examples/pytorch/course.py), on the same data
# (Fashion-MNIST from Debian's dataset-fashion-mnist by default), one after
# the other, and prints a Markdown table of test accuracy and training time.
#
#   examples/run_course.sh                 # all three trainers
#   examples/run_course.sh mlp mlp-manual  # some of them
#
# DATA=dir overrides the data directory; PYTHON the interpreter (one with torch).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-out/course}
trainers=("$@")
[ ${#trainers[@]} -gt 0 ] || trainers=(mlp-manual mlp convnet)

mkdir -p "$OUT"
go build -o "$OUT/bin/" ./examples/mlp-manual ./examples/mlp ./examples/convnet
rows=()
for t in "${trainers[@]}"; do
  "$OUT/bin/$t" -dataset fashion-mnist -data "$DATA" -out "$OUT/$t" 2>/dev/null | tee "$OUT/$t.go.log"
  go_acc=$(tail -n 1 "$OUT/$t.go.log" | awk '{print $3}')
  go_time=$(grep '^step' "$OUT/$t.go.log" | tail -n 1 | sed -E 's/.*\(([0-9.]+) s\)$/\1/')
  "$PYTHON" examples/pytorch/course.py --trainer "$t" --dataset-dir "$DATA" | tee "$OUT/$t.torch.log"
  pt_acc=$(tail -n 1 "$OUT/$t.torch.log" | awk '{print $3}')
  pt_time=$(grep '^training time' "$OUT/$t.torch.log" | awk '{print $3}')
  rows+=("| $t | $go_acc | $go_time s | $pt_acc | $pt_time s |")
done
echo
echo "Fashion-MNIST, the course's recipes, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| trainer | tapegrad test accuracy | tapegrad training time | PyTorch test accuracy | PyTorch training time |"
echo "|---|--:|--:|--:|--:|"
printf '%s\n' "${rows[@]}"
