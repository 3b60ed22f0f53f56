// Package config holds the settings every command shares. They come from
// flags or PORTICO_* environment variables; a flag wins.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the whole configuration, passed down from main.
type Config struct {
	Addr        string // listen address; port 0 picks a free one
	DataDir     string // SQLite file, attachments, addr file
	DatabaseURL string // postgres://… or empty for SQLite
	BaseURL     string // public URL for links in emails; empty: derived from the listener
	SMTPURL     string // smtp://user:pass@host:port, smtps://… or empty
	MailFrom    string
	SMSURL      string // HTTP endpoint for SMS, or empty
	BlobURL     string // file:///path or s3://bucket?…; empty: file://DataDir/blobs
	MaxUploadMB int

	// RetrySeconds is the wait before a failed email or SMS is tried
	// again; it doubles with every attempt, up to an hour.
	RetrySeconds int
	// LeaseSeconds is how long a worker holds an email or SMS it sends:
	// one left by a process that died mid-send is sent again after it.
	LeaseSeconds int
}

// setting ties a flag to its environment variable.
type setting struct {
	flag, env, usage string
	str              *string
	num              *int
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "PORTICO_ADDR", "listen address", &c.Addr, nil},
		{"data-dir", "PORTICO_DATA_DIR", "directory for the SQLite database, attachments and keys", &c.DataDir, nil},
		{"database-url", "PORTICO_DATABASE_URL", "postgres:// URL to use PostgreSQL instead of SQLite", &c.DatabaseURL, nil},
		{"base-url", "PORTICO_BASE_URL", "public URL used in emails and links", &c.BaseURL, nil},
		{"smtp-url", "PORTICO_SMTP_URL", "smtp://user:pass@host:port (smtps:// for implicit TLS)", &c.SMTPURL, nil},
		{"mail-from", "PORTICO_MAIL_FROM", "sender address of outgoing mail", &c.MailFrom, nil},
		{"sms-url", "PORTICO_SMS_URL", "HTTP endpoint that sends SMS", &c.SMSURL, nil},
		{"blob-url", "PORTICO_BLOB_URL", "file:///path or s3://bucket?endpoint=…&region=… for attachments", &c.BlobURL, nil},
		{"max-upload-mb", "PORTICO_MAX_UPLOAD_MB", "largest single attachment in MiB", nil, &c.MaxUploadMB},
		{"delivery-retry-seconds", "PORTICO_DELIVERY_RETRY_SECONDS", "seconds before a failed email or SMS is tried again; doubles with every attempt, up to an hour", nil, &c.RetrySeconds},
		{"delivery-lease-seconds", "PORTICO_DELIVERY_LEASE_SECONDS", "seconds a worker holds an email or SMS it sends; one left by a stopped process is sent again after that", nil, &c.LeaseSeconds},
	}
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:        "127.0.0.1:8080",
		DataDir:     "./data",
		MailFrom:    "portico@localhost",
		MaxUploadMB: 25,

		RetrySeconds: 30,
		LeaseSeconds: 120,
	}
}

// Register adds the setting flags to fs, with defaults taken from the
// environment (looked up by getenv) over Default. Call Finish after parsing.
func Register(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	c := Default()
	var errs []error
	for _, s := range c.settings() {
		v := getenv(s.env)
		if s.str != nil {
			if v != "" {
				*s.str = v
			}
			fs.StringVar(s.str, s.flag, *s.str, s.usage+" ("+s.env+")")
			continue
		}
		if v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: not a number: %q", s.env, v))
			} else {
				*s.num = n
			}
		}
		fs.IntVar(s.num, s.flag, *s.num, s.usage+" ("+s.env+")")
	}
	return &c, errors.Join(errs...)
}

// Validate checks the settings and fills in derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: must not be empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	} else if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("database-url: must start with postgres://"))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base-url: want an http(s) URL, got %q", c.BaseURL))
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	for name, raw := range map[string]string{"smtp-url": c.SMTPURL, "sms-url": c.SMSURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: not a valid URL", name))
		}
	}
	if c.SMTPURL != "" && !strings.HasPrefix(c.SMTPURL, "smtp://") && !strings.HasPrefix(c.SMTPURL, "smtps://") {
		errs = append(errs, errors.New("smtp-url: must start with smtp:// or smtps://"))
	}
	if c.BlobURL == "" {
		c.BlobURL = "file://" + filepath.ToSlash(filepath.Join(c.DataDir, "blobs"))
	} else if !strings.HasPrefix(c.BlobURL, "file://") && !strings.HasPrefix(c.BlobURL, "s3://") {
		errs = append(errs, errors.New("blob-url: must start with file:// or s3://"))
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 4096 {
		errs = append(errs, fmt.Errorf("max-upload-mb: want 1..4096, got %d", c.MaxUploadMB))
	}
	if c.RetrySeconds < 1 || c.RetrySeconds > 3600 {
		errs = append(errs, fmt.Errorf("delivery-retry-seconds: want 1..3600, got %d", c.RetrySeconds))
	}
	// Each attempt may take half the lease; a few seconds is the least a
	// send over the network may need.
	if c.LeaseSeconds < 4 || c.LeaseSeconds > 3600 {
		errs = append(errs, fmt.Errorf("delivery-lease-seconds: want 4..3600, got %d", c.LeaseSeconds))
	}
	return errors.Join(errs...)
}

// MaxUploadBytes is the largest single attachment in bytes.
func (c *Config) MaxUploadBytes() int64 { return int64(c.MaxUploadMB) << 20 }

// UsesPostgres reports whether the database is PostgreSQL.
func (c *Config) UsesPostgres() bool { return c.DatabaseURL != "" }
