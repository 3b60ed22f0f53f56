// Command portico-load is Portico's load benchmark. It fills a database
// with a large, realistic data set (generated straight into the store),
// starts the real server on loopback next to a bare net/http hello
// handler, signs in many customers and drives the customer API in a closed
// loop, then reports requests per second and latency for each scenario
// against the targets the project set. It reports; it asserts nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"portico/internal/config"
	"portico/internal/store"
)

// options are the command-line flags.
type options struct {
	tickets        int
	companyTickets int
	customers      int
	duration       time.Duration
	warmup         time.Duration
	dataDir        string
	databaseURL    string
	scenarios      string
	slug           string
	json           bool
	cpuProfile     string
	serverLog      string
	noViewCache    bool
	// workers overrides -customers for some scenarios.
	workers map[string]int
}

// gcPercent is the garbage collector's target in effect.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	config.TuneGC()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "portico-load:", err)
		}
		os.Exit(2)
	}
}

func parseFlags(args []string, stderr io.Writer) (*options, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet("portico-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.tickets, "tickets", 1_000_000, "tickets in the generated data set")
	fs.IntVar(&o.companyTickets, "company-tickets", 5000, "tickets of the company the search scenario searches in")
	fs.IntVar(&o.customers, "customers", 32, "concurrent signed-in customers (one connection each)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each scenario")
	fs.StringVar(&o.dataDir, "data", filepath.Join(os.TempDir(), "portico-load"), "directory for the SQLite database, attachments and the data set marker; a data set found there is reused")
	fs.StringVar(&o.databaseURL, "database-url", os.Getenv("PORTICO_DATABASE_URL"), "postgres://… to load PostgreSQL instead of SQLite (the database must be empty the first time)")
	fs.StringVar(&o.scenarios, "scenarios", strings.Join(order, ","), "comma-separated scenarios: "+strings.Join(order, ", "))
	fs.StringVar(&o.slug, "portal", "support", "the portal whose customer API is driven")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each scenario to this file (the scenario's name is added before the extension)")
	fs.StringVar(&o.serverLog, "server-log", "", "write the server's request log to this file (default: formatted, then discarded)")
	fs.BoolVar(&o.noViewCache, "no-view-cache", false, "keep no customers' accounts, list pages or tickets in memory (SQLite), to measure the queries alone")
	workers := fs.String("workers", "", "concurrent clients of some scenarios instead of -customers, e.g. search=4,create=64")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.tickets < 1 || o.customers < 1 || o.duration <= 0 || o.warmup < 0 {
		return nil, nil, errors.New("-tickets, -customers and -duration must be positive")
	}
	all := scenarios()
	o.workers = map[string]int{}
	for _, kv := range strings.Split(*workers, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		name, n, ok := strings.Cut(kv, "=")
		count, err := strconv.Atoi(n)
		if _, known := all[name]; !ok || !known || err != nil || count < 1 {
			return nil, nil, fmt.Errorf("-workers: %q is not scenario=count", kv)
		}
		o.workers[name] = count
	}
	var picked []string
	for _, name := range strings.Split(o.scenarios, ",") {
		name = strings.TrimSpace(name)
		if _, ok := all[name]; !ok {
			return nil, nil, fmt.Errorf("unknown scenario %q; choose from %s", name, strings.Join(order, ", "))
		}
		picked = append(picked, name)
	}
	var out []string
	for _, name := range order {
		if slices.Contains(picked, name) {
			out = append(out, name)
		}
	}
	return o, out, nil
}

// report is the whole run's outcome.
type report struct {
	Engine            string   `json:"engine"`
	Tickets           int      `json:"tickets"`
	CompanyTickets    int      `json:"company_tickets"`
	Customers         int      `json:"customers"`
	Generated         bool     `json:"generated"`
	GenerationSeconds float64  `json:"generation_seconds"`
	ViewCache         bool     `json:"view_cache"`
	GOMAXPROCS        int      `json:"gomaxprocs"`
	GCPercent         int      `json:"gc_percent"`
	GoVersion         string   `json:"go_version"`
	Results           []result `json:"results"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, names, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	db, ds, generated, err := prepareData(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer db.Close()

	logOut := io.Discard
	if o.serverLog != "" {
		f, err := os.Create(o.serverLog)
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f
	}
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := startServers(ctx, db, o.dataDir, log)
	if err != nil {
		return err
	}
	defer srv.close()

	rep := report{Engine: db.Engine(), Tickets: ds.Tickets, CompanyTickets: ds.CompanyTickets, Customers: o.customers,
		Generated: generated, GenerationSeconds: ds.Seconds, ViewCache: db.Engine() == "sqlite" && !o.noViewCache, GOMAXPROCS: runtime.GOMAXPROCS(0), GCPercent: gcPercent(), GoVersion: runtime.Version()}
	b := &bench{o: o, db: db, ds: ds, srv: srv, log: stderr, clients: map[string][]*client{}}
	defer b.restorePermission()
	all := scenarios()
	var helloRPS float64
	for _, name := range names {
		sc := all[name]
		r, err := b.scenario(ctx, sc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if name == "hello" {
			helloRPS = r.RPS
		}
		if helloRPS > 0 && name != "hello" {
			r.Ratio = r.RPS / helloRPS
		}
		sc.target.judge(&r, helloRPS)
		rep.Results = append(rep.Results, r)
		fmt.Fprintf(stderr, "  %s: %.0f req/s, p99 %.2f ms, %d errors\n", name, r.RPS, r.P99, r.Errors)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(stdout, &rep)
	return nil
}

// bench holds what the scenarios share: the signed-in clients per group.
type bench struct {
	o          *options
	db         *store.DB
	ds         *dataSet
	srv        *servers
	log        io.Writer
	clients    map[string][]*client
	permission string // the portal's permission before the run, to restore
	note       string // what the running scenario's preparation found
}

// scenario prepares and runs one scenario.
func (b *bench) scenario(ctx context.Context, sc *scenario) (result, error) {
	n := b.o.customers
	if sc.workers > 0 {
		n = sc.workers
	}
	if w, ok := b.o.workers[sc.name]; ok {
		n = w
	}
	cs, err := b.group(sc.who, n)
	if err != nil {
		return result{}, err
	}
	if sc.permission != "" {
		if err := b.setPermission(ctx, sc.permission); err != nil {
			return result{}, err
		}
	}
	if sc.ids {
		for _, c := range cs {
			if len(c.ids) == 0 {
				if err := c.collectIDs(200); err != nil {
					return result{}, err
				}
			}
		}
	}
	b.note = ""
	if sc.prepare != nil {
		if err := sc.prepare(ctx, b, cs); err != nil {
			return result{}, err
		}
	}
	fmt.Fprintf(b.log, "running %s: %d clients, %s warmup + %s …\n", sc.name, len(cs), b.o.warmup, b.o.duration)
	stopProfile, err := b.profile(sc.name)
	if err != nil {
		return result{}, err
	}
	r := drive(ctx, sc.name, cs, b.o.warmup, b.o.duration, sc.step)
	stopProfile()
	r.Note = b.note
	return r, nil
}

// group returns n clients of a group, signing in those not signed in yet.
func (b *bench) group(who string, n int) ([]*client, error) {
	cs := b.clients[who]
	if len(cs) >= n {
		return cs[:n], nil
	}
	var logins []string
	base := b.srv.app + "/api/v1/portal/" + b.o.slug
	switch who {
	case "":
		logins, base = make([]string, n), b.srv.hello
	case "customers":
		logins = b.ds.Customers
	case "writers":
		logins = b.ds.Writers
	case "agents":
		base = b.srv.app
		agents, err := b.db.Agents(context.Background())
		if err != nil {
			return nil, err
		}
		for _, a := range agents {
			if !a.Locked {
				logins = append(logins, a.Email)
			}
		}
	}
	if len(logins) < n {
		return nil, fmt.Errorf("the data set has %d %s, fewer than the %d clients asked for", len(logins), who, n)
	}
	for i := len(cs); i < n; i++ {
		c := newClient(base, logins[i], uint64(i+1))
		// One at a time: each sign-in hashes a password with argon2.
		switch who {
		case "":
		case "agents":
			if err := c.deskSignIn(); err != nil {
				return nil, err
			}
		default:
			if err := c.signIn(); err != nil {
				return nil, err
			}
		}
		cs = append(cs, c)
	}
	b.clients[who] = cs
	return cs, nil
}

// setPermission sets the portal's ticket permission through the portal
// service, as an admin's PATCH would.
func (b *bench) setPermission(ctx context.Context, perm string) error {
	svc := services(b.db, func() string { return b.srv.app }).Portals
	p, err := svc.Portal(ctx, b.o.slug)
	if err != nil {
		return err
	}
	if b.permission == "" {
		b.permission = p.TicketPermission
	}
	if p.TicketPermission == perm {
		return nil
	}
	_, err = svc.Update(ctx, b.o.slug, []byte(`{"ticket_permission":"`+perm+`"}`))
	return err
}

func (b *bench) restorePermission() {
	if b.permission != "" {
		b.setPermission(context.Background(), b.permission)
	}
}

// profile starts a CPU profile of one scenario when asked to.
func (b *bench) profile(name string) (stop func(), err error) {
	if b.o.cpuProfile == "" {
		return func() {}, nil
	}
	ext := filepath.Ext(b.o.cpuProfile)
	path := strings.TrimSuffix(b.o.cpuProfile, ext) + "." + name + ext
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		fmt.Fprintf(b.log, "  CPU profile: %s\n", path)
	}, nil
}

func printReport(w io.Writer, rep *report) {
	gen := "reused"
	if rep.Generated {
		gen = "generated"
	}
	kept := "off"
	if rep.ViewCache {
		kept = "on"
	}
	fmt.Fprintf(w, "Portico load benchmark — %s, %d tickets (%s; generation took %s), %d customers, kept pages %s, GOMAXPROCS=%d, GOGC=%d, %s\n\n",
		rep.Engine, rep.Tickets, gen, time.Duration(rep.GenerationSeconds*float64(time.Second)).Round(time.Second).String(), rep.Customers,
		kept, rep.GOMAXPROCS, rep.GCPercent, rep.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tclients\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\t× hello\ttarget\tresult")
	for _, r := range rep.Results {
		ratio, verdict := "", r.Note
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		if r.Pass != nil {
			verdict = map[bool]string{true: "PASS", false: "FAIL"}[*r.Pass]
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\n", r.Scenario, r.Workers, r.Requests, r.Errors, r.RPS,
			r.P50, r.P90, r.P99, r.Max, ratio, r.Target, verdict)
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.FirstError != "" {
			fmt.Fprintf(w, "\n%s: first error: %s", r.Scenario, r.FirstError)
		}
	}
	fmt.Fprintln(w)
}
