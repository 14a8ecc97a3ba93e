package main

import (
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 4, "-t-max", "4", "-width", "4")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "resnet", run, "-width", "4")
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-depth", "10"}, "resnet: -depth 10: want 6n+2 with n ≥ 1 (8, 14, 20, …)"},
		{[]string{"-depth", "2"}, "resnet: -depth 2: want 6n+2 with n ≥ 1 (8, 14, 20, …)"},
		{[]string{"-width", "0"}, "resnet: -width 0: want at least 1"},
		{[]string{"-momentum", "1"}, "resnet: -momentum 1: want a number in [0, 1)"},
		{[]string{"-momentum", "NaN"}, "resnet: -momentum NaN: want a number in [0, 1)"},
		{[]string{"-weight-decay", "-1e-4"}, "resnet: -weight-decay -0.0001: want a finite number ≥ 0"},
		{[]string{"-weight-decay", "Inf"}, "resnet: -weight-decay +Inf: want a finite number ≥ 0"},
		{[]string{"-crop-pad", "-2"}, "resnet: -crop-pad -2: want at least 0, or -1 for the data set's default"},
		{[]string{"-t-max", "-1"}, "resnet: -t-max -1: want at least 0"},
		{[]string{"-depth", "x"}, "resnet: invalid value \"x\" for flag -depth: parse error"},
	} {
		traintest.BadFlag(t, "resnet", run, c.args, c.want)
	}
}

func TestDiverges(t *testing.T) {
	traintest.Diverges(t, "resnet", run, "-width", "4", "-t-max", "0", "-momentum", "0")
}
