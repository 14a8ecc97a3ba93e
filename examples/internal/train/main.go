package train

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
)

// Main parses a trainer's command line — the common flags with c's values
// as defaults, plus whatever extra registers — builds its model with setup
// once the flags are parsed, and runs it until done or interrupted (SIGINT,
// Ctrl-C, cancels ctx so that Run saves a checkpoint and returns).
func Main(ctx context.Context, c Config, args []string, stdout, stderr io.Writer,
	extra func(fs *flag.FlagSet), setup func(c *Config) (NewModel, error)) error {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	newModel, err := setup(&c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	return Run(ctx, c, newModel, stdout, stderr)
}
