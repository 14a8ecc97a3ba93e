package main

import (
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 4)
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "convnet", run)
}
