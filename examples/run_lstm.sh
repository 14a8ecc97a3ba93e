#!/usr/bin/env bash
# Trains examples/lstm (sequential Fashion-MNIST, an LSTM over the 28 rows of
# each image) in tapegrad and its twin examples/pytorch/lstm.py, with the same
# recipe, over seeds 1 2 3, one run after the other, and prints a Markdown
# table of test accuracy and training time (evaluations excluded) per seed,
# then the mean ± sample standard deviation over the seeds.
#
#   examples/run_lstm.sh                       # LSTM, the default recipe
#   examples/run_lstm.sh -cell gru -epochs 1   # flags for both sides
#
# Flags given (-cell, -hidden, -layers, -epochs, -clip) go to the Go trainer as
# they are and to lstm.py with a double dash. DATA=dir overrides the data
# directory, PYTHON the interpreter (one with torch), OUT the output directory
# (logs NAME.SEED.go.log and NAME.SEED.torch.log), SEEDS the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-out/lstm}
SEEDS=${SEEDS:-1 2 3}
goflags=("$@")
pyflags=()
for f in "$@"; do
  case $f in -*) pyflags+=("-$f") ;; *) pyflags+=("$f") ;; esac
done

mkdir -p "$OUT"
go build -o "$OUT/bin/" ./examples/lstm
rows=() go_accs=() go_times=() pt_accs=() pt_times=()
for s in $SEEDS; do
  "$OUT/bin/lstm" -dataset fashion-mnist -data "$DATA" -seed "$s" -out "$OUT/seed$s" "${goflags[@]}" 2>/dev/null | tee "$OUT/lstm.$s.go.log"
  go_acc=$(tail -n 1 "$OUT/lstm.$s.go.log" | awk '{print $3}')
  go_time=$(grep '^step' "$OUT/lstm.$s.go.log" | tail -n 1 | sed -E 's/.*\(([0-9.]+) s\)$/\1/')
  "$PYTHON" examples/pytorch/lstm.py --dataset-dir "$DATA" --seed "$s" "${pyflags[@]}" | tee "$OUT/lstm.$s.torch.log"
  pt_acc=$(tail -n 1 "$OUT/lstm.$s.torch.log" | awk '{print $3}')
  pt_time=$(grep '^training time' "$OUT/lstm.$s.torch.log" | awk '{print $3}')
  rows+=("| $s | $go_acc | $go_time s | $pt_acc | $pt_time s |")
  go_accs+=("$go_acc") go_times+=("$go_time") pt_accs+=("$pt_acc") pt_times+=("$pt_time")
done

# meansd prints the mean ± sample standard deviation of its arguments, with
# the printf format given first.
meansd() {
  local fmt=$1
  shift
  printf '%s\n' "$@" | awk -v f="$fmt" '{x[NR]=$1; s+=$1} END {m=s/NR; v=0; for (i=1;i<=NR;i++) v+=(x[i]-m)^2; sd=NR>1 ? sqrt(v/(NR-1)) : 0; printf f " ± " f, m, sd}'
}
echo
echo "Sequential Fashion-MNIST, examples/lstm ${goflags[*]:-(defaults)}, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| seed | tapegrad test accuracy | tapegrad training time | PyTorch test accuracy | PyTorch training time |"
echo "|---|--:|--:|--:|--:|"
printf '%s\n' "${rows[@]}"
echo "| mean ± sd | $(meansd %.4f "${go_accs[@]}") | $(meansd %.1f "${go_times[@]}") s | $(meansd %.4f "${pt_accs[@]}") | $(meansd %.1f "${pt_times[@]}") s |"
