// Command portico runs the Portico helpdesk: its customer portal, the agent
// desk and the JSON API, on SQLite or PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"portico/internal/agent"
	"portico/internal/config"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/filestore"
	"portico/internal/live"
	"portico/internal/mail"
	"portico/internal/sms"
	"portico/internal/store"
	"portico/internal/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Portico: a self-hosted helpdesk with a customer portal.

Usage:
  portico serve                 run the server (migrates the database first)
  portico demo                  serve a fresh demo data set; prints URLs and sign-ins
  portico migrate               apply migrations and exit
  portico admin create --email E --password P [--name N]
  portico apikey create --email E [--name N]
  portico backup --to FILE      consistent online copy of the SQLite database
  portico version

Settings come from flags or PORTICO_* environment variables; run
"portico serve -h" to list them.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	config.TuneGC()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "portico:", err)
		}
		os.Exit(2)
	}
}

// run is the whole program, with its inputs passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "admin" || cmd == "apikey") && len(rest) > 0 && rest[0] == "create" {
		cmd, rest = cmd+" create", rest[1:]
	}
	fs := flag.NewFlagSet("portico "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, envErr := config.Register(fs, getenv)
	var email, pass, name, to string
	switch cmd {
	case "admin create":
		fs.StringVar(&email, "email", "", "the admin's email address")
		fs.StringVar(&pass, "password", "", "the admin's password")
		fs.StringVar(&name, "name", "", "the admin's name")
	case "apikey create":
		fs.StringVar(&email, "email", "", "the agent's email address")
		fs.StringVar(&name, "name", "", "a name for the key")
	case "backup":
		fs.StringVar(&to, "to", "", "the file to write")
	case "serve", "demo", "migrate":
	case "version":
		fmt.Fprintln(stdout, "portico", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", strings.Join(args[:1], " "))
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cmd == "demo" && getenv("PORTICO_DATA_DIR") == "" && !flagSet(fs, "data-dir") && !cfg.UsesPostgres() {
		cfg.DataDir = "./demo-data"
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	if cmd == "demo" && !cfg.UsesPostgres() {
		if err := freshDemoDir(cfg.DataDir); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer db.Close()
	if cmd == "backup" {
		if to == "" {
			return errors.New("backup: --to FILE is required")
		}
		if err := db.Backup(ctx, to); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "backup written to", to)
		return nil
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	app, err := newApp(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	defer app.close()

	switch cmd {
	case "migrate":
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "admin create":
		a, err := app.services.Agents.CreateAgent(ctx, event.System, agent.NewAgent{Email: email, Password: pass, Name: name, Role: agent.RoleAdmin})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "admin %s created (id %d)\n", a.Email, a.ID)
		return nil
	case "apikey create":
		key, _, err := app.services.Agents.CreateAPIKey(ctx, event.System, email, name)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintln(stdout, key)
		return nil
	}
	return app.serve(ctx, cmd == "demo", stdout)
}

// demoMarker marks a data directory as a demo's, which the next demo may
// wipe. Any other directory holding a database is left alone.
const demoMarker = ".portico-demo"

// freshDemoDir empties dir for a new demo, refusing to touch real data.
func freshDemoDir(dir string) error {
	_, dbErr := os.Stat(filepath.Join(dir, store.SQLiteFile))
	_, markErr := os.Stat(filepath.Join(dir, demoMarker))
	if dbErr == nil && markErr != nil {
		return fmt.Errorf("demo: %s holds a database that is not a demo's; choose another --data-dir", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("this directory holds demo data; portico demo wipes it\n"), 0o644)
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// app is the wired program.
type app struct {
	cfg      *config.Config
	db       *store.DB
	files    *filestore.Store
	log      *slog.Logger
	services web.Services
	baseURL  string
	senders  map[string]delivery.Sender // by delivery kind
}

func newApp(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger) (*app, error) {
	senders, err := newSenders(cfg)
	if err != nil {
		return nil, err
	}
	files, err := filestore.Open(ctx, cfg.BlobURL, cfg.MaxUploadBytes())
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, db: db, files: files, log: log, baseURL: cfg.BaseURL, senders: senders}
	a.services = web.NewServices(db, func() string { return a.baseURL })
	return a, nil
}

// newSenders builds the transports the settings name: email over SMTP,
// SMS over HTTP. A kind without one is kept in the delivery log only.
func newSenders(cfg *config.Config) (map[string]delivery.Sender, error) {
	senders := map[string]delivery.Sender{}
	if cfg.SMTPURL != "" {
		hello := "localhost"
		if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
			hello = u.Hostname()
		}
		m, err := mail.New(mail.Options{URL: cfg.SMTPURL, From: cfg.MailFrom, Hello: hello})
		if err != nil {
			return nil, err
		}
		senders[delivery.Email] = m
	}
	if cfg.SMSURL != "" {
		s, err := sms.New(sms.Options{URL: cfg.SMSURL})
		if err != nil {
			return nil, err
		}
		senders[delivery.SMS] = s
	}
	return senders, nil
}

// startDeliveries runs the delivery workers until ctx ends; the returned
// channel closes once they have stopped.
func (a *app) startDeliveries(ctx context.Context) <-chan struct{} {
	transport := func(kind, setting string) string {
		if s, ok := a.senders[kind].(fmt.Stringer); ok {
			return s.String()
		}
		return "kept in the delivery log only (no " + setting + ")"
	}
	a.log.Info("deliveries", "email", transport(delivery.Email, "PORTICO_SMTP_URL"), "sms", transport(delivery.SMS, "PORTICO_SMS_URL"))
	pool := delivery.NewPool(a.db, delivery.PoolOptions{
		Senders:   a.senders,
		Lease:     time.Duration(a.cfg.LeaseSeconds) * time.Second,
		RetryBase: time.Duration(a.cfg.RetrySeconds) * time.Second,
		Logger:    a.log,
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		pool.Run(ctx)
	}()
	return done
}

// tidyEvery is how often serve removes what has expired.
const tidyEvery = time.Hour

// startTidying removes expired sessions, rate-limit windows, used tokens
// and unfinished single sign-ins, and compacts the search index, at start
// and then every interval, until ctx ends; the returned channel closes once it has stopped. Several
// instances may do it at once: a row is simply deleted by one of them.
func (a *app) startTidying(ctx context.Context, every time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := a.db.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
				a.log.Warn("removing expired sessions", "err", err)
			}
			a.compactSearch(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}

// compactSteps bounds one round of search index compaction; a pause
// between steps lets writes through.
const (
	compactSteps = 100
	compactPause = 50 * time.Millisecond
)

// compactSearch merges the pieces writes left in the text indexes.
func (a *app) compactSearch(ctx context.Context) {
	for range compactSteps {
		more, err := a.db.CompactSearch(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("compacting the search index", "err", err)
			}
			return
		}
		if !more {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(compactPause):
		}
	}
}

func (a *app) close() { a.files.Close() }

// serve runs the HTTP server until ctx ends, then drains requests.
func (a *app) serve(ctx context.Context, demo bool, stdout io.Writer) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if a.baseURL == "" {
		a.baseURL = "http://" + addr
	}
	a.log.Info("listening", "addr", addr, "engine", a.db.Engine(), "version", version)
	if strings.HasSuffix(a.cfg.Addr, ":0") {
		if err := os.WriteFile(filepath.Join(a.cfg.DataDir, "addr"), []byte(addr+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
	}
	// Live updates reach pages served by every instance sharing the
	// PostgreSQL database; with SQLite this process is alone.
	hub, err := live.Open(ctx, live.Options{DatabaseURL: a.cfg.DatabaseURL, Logger: a.log})
	if err != nil {
		ln.Close()
		return err
	}
	defer hub.Close()
	srv, err := web.New(web.Options{Services: a.services, Files: a.files, Logger: a.log, Ready: a.db.Ready, Version: version,
		BaseURL: a.cfg.BaseURL, Live: hub})
	if err != nil {
		ln.Close()
		return err
	}
	if demo {
		if err := a.seedDemo(ctx, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// Open event streams would hold the shutdown up; end them and let the
	// browsers reconnect.
	hs.RegisterOnShutdown(srv.EndStreams)
	wctx, stopWorkers := context.WithCancel(ctx)
	workers := a.startDeliveries(wctx)
	tidied := a.startTidying(wctx, tidyEvery)
	// The workers stop with the server, whichever way it ends; a send
	// they cut short is sent again by the next process.
	defer func() {
		stopWorkers()
		<-workers
		<-tidied
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	stopWorkers()
	<-workers
	a.log.Info("stopped")
	return nil
}

// describe makes a user-facing error readable on the command line.
func describe(err error) error {
	return err
}
