#!/usr/bin/env bash
# Trains the models beyond the course — for now examples/resnet, a ResNet-8
# — in tapegrad and in PyTorch (its twin examples/pytorch/resnet.py), with
# the same recipe, for seeds 1 2 3 (SEEDS overrides), on the same data
# (Fashion-MNIST from Debian's dataset-fashion-mnist by default), one run
# after the other, and prints a Markdown table of the test accuracy and the
# training time (forward, backward and update; evaluations excluded) of
# every run, with their mean ± sample standard deviation over the seeds.
#
#   examples/run_models.sh                  # ResNet-8, seeds 1 2 3
#   SEEDS="1" examples/run_models.sh -steps 40 -t-max 40 -eval-every 40
#
# Extra arguments are flags of both trainers (Go's -name value is Python's
# --name value). DATA=dir overrides the data directory, DATASET the data
# set (fashion-mnist, mnist or cifar10); PYTHON the interpreter (one with
# torch); OUT where the logs, curves and checkpoints go.
set -euo pipefail
cd "$(dirname "$0")/.."
DATASET=${DATASET:-fashion-mnist}
DATA=${DATA:-}
if [ -z "$DATA" ] && [ "$DATASET" = fashion-mnist ]; then DATA=/usr/share/datasets/fashion-mnist; fi
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-out/models}
SEEDS=${SEEDS:-1 2 3}
goflags=("$@")
pyflags=()
for f in "$@"; do
  case $f in -[a-z]*) pyflags+=("-$f") ;; *) pyflags+=("$f") ;; esac
done
godata=() pydata=()
if [ -n "$DATA" ]; then godata=(-data "$DATA"); pydata=(--dataset-dir "$DATA"); fi

mkdir -p "$OUT/bin"
go build -o "$OUT/bin/" ./examples/resnet
t=resnet
go_acc=() go_time=() pt_acc=() pt_time=()
for seed in $SEEDS; do
  log=$OUT/$t-seed$seed
  "$OUT/bin/$t" -dataset "$DATASET" "${godata[@]}" -seed "$seed" -out "$log" "${goflags[@]}" 2>/dev/null | tee "$log.go.log"
  go_acc+=("$(tail -n 1 "$log.go.log" | awk '{print $3}')")
  go_time+=("$(grep '^step' "$log.go.log" | tail -n 1 | sed -E 's/.*\(([0-9.]+) s\)$/\1/')")
  "$PYTHON" examples/pytorch/resnet.py --dataset "$DATASET" "${pydata[@]}" --seed "$seed" "${pyflags[@]}" | tee "$log.torch.log"
  pt_acc+=("$(tail -n 1 "$log.torch.log" | awk '{print $3}')")
  pt_time+=("$(grep '^training time' "$log.torch.log" | awk '{print $3}')")
done

# stats prints "mean ± sd" of its arguments with printf format $1.
stats() {
  local fmt=$1; shift
  printf '%s\n' "$@" | awk -v fmt="$fmt" '{s += $1; q += $1 * $1; n++}
    END {m = s / n; v = n > 1 ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0
         printf fmt " ± " fmt "\n", m, sqrt(v)}'
}
echo
echo "$t on $DATASET, seeds $SEEDS${*:+, flags $*}; $(nproc) cores (shared), $(date -u +%Y-%m-%d)"
echo
echo "| seed | tapegrad test accuracy | tapegrad training time | PyTorch test accuracy | PyTorch training time |"
echo "|---|--:|--:|--:|--:|"
i=0
for seed in $SEEDS; do
  echo "| $seed | ${go_acc[$i]} | ${go_time[$i]} s | ${pt_acc[$i]} | ${pt_time[$i]} s |"
  i=$((i + 1))
done
echo "| mean ± sd | $(stats %.4f "${go_acc[@]}") | $(stats %.1f "${go_time[@]}") s | $(stats %.4f "${pt_acc[@]}") | $(stats %.1f "${pt_time[@]}") s |"
