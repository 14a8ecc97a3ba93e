package main

import (
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 4, "-hidden", "16")
}

func TestEndToEndGRU(t *testing.T) {
	traintest.EndToEnd(t, run, 2, "-cell", "gru", "-hidden", "8", "-layers", "2")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "lstm", run, "-hidden", "8")
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-cell", "rnn"}, `lstm: unknown -cell "rnn": want lstm or gru`},
		{[]string{"-hidden", "0"}, "lstm: -hidden 0: want at least 1"},
		{[]string{"-layers", "0"}, "lstm: -layers 0: want at least 1"},
		{[]string{"-epochs", "0"}, "lstm: -epochs 0: want at least 1"},
		{[]string{"-clip", "-1"}, "lstm: -clip -1: want a finite number at least 0"},
		{[]string{"-clip", "NaN"}, "lstm: -clip NaN: want a finite number at least 0"},
		{[]string{"-dataset", "cifar10"}, "lstm: -dataset cifar10: the lstm reads grayscale images row by row; want fashion-mnist or mnist"},
	} {
		traintest.BadFlag(t, "lstm", run, c.args, c.want)
	}
}
