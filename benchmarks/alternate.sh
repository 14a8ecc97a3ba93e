#!/usr/bin/env bash
# Compares the benchmarks of package benchmarks at two revisions by running
# the two test binaries alternately, so that a machine whose speed drifts
# (this project's drifts by up to 2× within minutes) weighs on both sides
# alike, then prints benchstat's comparison.
#
#   benchmarks/alternate.sh OLD [NEW] -- REGEX [ROUNDS] [BENCHTIME]
#   benchmarks/alternate.sh HEAD~1 -- 'W1MLPTrain$|W2ConvNetTrain$' 8 1s
#
# OLD and NEW are git revisions; NEW defaults to the working tree,
# uncommitted changes included. ROUNDS defaults to 8, BENCHTIME to 1s. Each
# round runs OLD's binary, then NEW's, one benchmark process each, and
# appends to old.txt and new.txt in a temporary directory it names at the
# end. It needs benchstat (go install golang.org/x/perf/cmd/benchstat@latest).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
revs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do revs+=("$1"); shift; done
[ $# -gt 1 ] && [ ${#revs[@]} -ge 1 ] && [ ${#revs[@]} -le 2 ] || usage
shift
regex=$1 rounds=${2:-8} benchtime=${3:-1s}
benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
[ -x "$benchstat" ] || { echo "alternate.sh: benchstat not found" >&2; exit 1; }

dir=$(mktemp -d)
build() { # build REV OUT: the benchmarks' test binary at revision REV
  local tree="$dir/tree-$2"
  git worktree add -q --detach "$tree" "$1"
  (cd "$tree" && go test -c -o "$dir/$2.test" ./benchmarks)
  git worktree remove --force "$tree"
}
build "${revs[0]}" old
if [ ${#revs[@]} -eq 2 ]; then
  build "${revs[1]}" new
else
  go test -c -o "$dir/new.test" ./benchmarks
fi

for i in $(seq "$rounds"); do
  for side in old new; do
    (cd benchmarks && "$dir/$side.test" -test.run '^$' -test.bench "$regex" \
      -test.benchtime "$benchtime" -test.count 1 >> "$dir/$side.txt")
  done
  echo "alternate.sh: round $i of $rounds done" >&2
done
"$benchstat" "$dir/old.txt" "$dir/new.txt"
echo "alternate.sh: raw results in $dir" >&2
