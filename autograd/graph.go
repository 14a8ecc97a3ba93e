package autograd

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// nodeBytes returns the bytes node i's op keeps for backward, counting a
// tensor it lists twice once (SavedBytes dedups across nodes too).
func (t *Tape[T]) nodeBytes(i int) int {
	op := t.nodes[i].op
	seen := make(map[*T]bool)
	total := 0
	for _, s := range op.Saved() {
		if s == nil || s.Size() == 0 || seen[&s.Data()[0]] {
			continue
		}
		seen[&s.Data()[0]] = true
		total += s.Bytes()
	}
	if e, ok := op.(ExtraSaver); ok {
		total += e.ExtraSavedBytes()
	}
	return total
}

// describe names an input of a node: the node that produced it, or the kind
// of leaf it is.
func (t *Tape[T]) describe(in *Var[T]) string {
	switch {
	case in.tape == t && in.node >= 0:
		return fmt.Sprintf("n%d%v", in.node, in.Shape())
	case in.requiresGrad:
		return fmt.Sprintf("param%v", in.Shape())
	case in.tape == t:
		return fmt.Sprintf("input%v", in.Shape())
	}
	return fmt.Sprintf("const%v", in.Shape())
}

// WriteListing writes the tape one node per line: its position, the op, the
// output's shape, where each input comes from (an earlier node, a parameter,
// an input or a constant, with its shape) and the bytes the op keeps for
// backward.
func (t *Tape[T]) WriteListing(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, n := range t.nodes {
		ins := make([]string, len(n.inputs))
		for j, in := range n.inputs {
			ins[j] = t.describe(in)
		}
		fmt.Fprintf(bw, "n%-4d %-12s %-16v ← %s  keeps %d B\n", i, n.op.Name(), fmt.Sprint(n.out.Shape()),
			strings.Join(ins, ", "), t.nodeBytes(i))
	}
	return bw.Flush()
}

// WriteDOT writes the tape as a Graphviz graph: one ellipse per recorded
// node, named n0, n1, … in tape order and labelled with its op, the output's
// shape and the bytes it keeps for backward; one box per leaf, filled for the
// leaves that require a gradient; and an edge from each input to the node
// that reads it. `dot -Tsvg` draws it.
func (t *Tape[T]) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph tape {")
	fmt.Fprintln(bw, `  rankdir=LR; node [fontname="Helvetica", fontsize=10];`)
	leaves := make(map[*Var[T]]string)
	for i, n := range t.nodes {
		for _, in := range n.inputs {
			if in.tape == t && in.node >= 0 {
				continue
			}
			if _, ok := leaves[in]; ok {
				continue
			}
			id := fmt.Sprintf("l%d", len(leaves))
			leaves[in] = id
			kind, style := strings.TrimSuffix(t.describe(in), fmt.Sprint(in.Shape())), ""
			if in.requiresGrad {
				kind, style = kind+" (grad)", `, style=filled, fillcolor="#ffe9a8"`
			}
			fmt.Fprintf(bw, "  %s [shape=box, label=\"%s\\n%v\"%s];\n", id, kind, in.Shape(), style)
		}
		fmt.Fprintf(bw, "  n%d [shape=ellipse, label=\"n%d %s\\n%v\\nkeeps %d B\"];\n",
			i, i, n.op.Name(), n.out.Shape(), t.nodeBytes(i))
	}
	for i, n := range t.nodes {
		for _, in := range n.inputs {
			from := leaves[in]
			if from == "" {
				from = fmt.Sprintf("n%d", in.node)
			}
			fmt.Fprintf(bw, "  %s -> n%d;\n", from, i)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}
