package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"portico/internal/filestore"
	"portico/internal/store"
	"portico/internal/web"
)

// services wires the domain services on db the way "portico serve" does
// (cmd/portico newApp); keep the two in step.
func services(db *store.DB, baseURL func() string) web.Services {
	return web.NewServices(db, baseURL)
}

// servers are the two servers under load, each on its own loopback port.
type servers struct {
	app, hello       string // base URLs
	appSrv, helloSrv *http.Server
	files            *filestore.Store
}

// startServers starts Portico's real handler and a bare hello handler over
// real TCP on 127.0.0.1, with the http.Server settings "portico serve"
// uses.
func startServers(ctx context.Context, db *store.DB, dataDir string, log *slog.Logger) (*servers, error) {
	files, err := filestore.Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dataDir, "blobs")), 25<<20)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		files.Close()
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	h, err := web.New(web.Options{Services: services(db, func() string { return base }), Files: files, Logger: log,
		Ready: db.Ready, Version: "load", BaseURL: base})
	if err != nil {
		ln.Close()
		files.Close()
		return nil, err
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		files.Close()
		return nil, err
	}
	s := &servers{app: base, hello: "http://" + hl.Addr().String(), files: files}
	s.appSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	s.helloSrv = &http.Server{Handler: http.HandlerFunc(hello), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go s.appSrv.Serve(ln)
	go s.helloSrv.Serve(hl)
	return s, nil
}

// hello is the yardstick: the least a net/http handler can do.
func hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("hello\n"))
}

func (s *servers) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.appSrv.Shutdown(ctx)
	s.helloSrv.Shutdown(ctx)
	s.files.Close()
}
