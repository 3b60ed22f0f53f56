package account

import (
	"bytes"
	"regexp"
	"testing"
	"time"
)

func TestCodes(t *testing.T) {
	digits := regexp.MustCompile(`^\d{6}$`)
	seen := map[string]bool{}
	for range 50 {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if !digits.MatchString(c) {
			t.Fatalf("code %q is not six digits", c)
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Errorf("only %d different codes in 50", len(seen))
	}

	h1, err := hashCode("042917")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashCode("042917")
	if bytes.Equal(h1, h2) || bytes.Contains(h1, []byte("042917")) {
		t.Error("hashes of one code are equal, or hold the code: no salt")
	}
	for _, tc := range []struct {
		typed string
		want  bool
	}{
		{"042917", true},
		{" 042 917 ", true},
		{"042-917", true},
		{"042918", false},
		{"42917", false},
		{"0429170", false},
		{"", false},
	} {
		if got := codeMatches(h1, tc.typed); got != tc.want {
			t.Errorf("codeMatches(%q) = %v, want %v", tc.typed, got, tc.want)
		}
	}
	if codeMatches(nil, "042917") || codeMatches([]byte("short"), "042917") {
		t.Error("a malformed hash matched")
	}
}

func TestCodeLife(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	used := now
	for _, tc := range []struct {
		name string
		c    Code
		want bool
	}{
		{"fresh", Code{ExpiresAt: now.Add(CodeLifetime)}, true},
		{"a second left", Code{ExpiresAt: now.Add(time.Second)}, true},
		{"expired", Code{ExpiresAt: now}, false},
		{"used", Code{ExpiresAt: now.Add(time.Minute), UsedAt: &used}, false},
		{"last try left", Code{ExpiresAt: now.Add(time.Minute), Attempts: CodeTries - 1}, true},
		{"out of tries", Code{ExpiresAt: now.Add(time.Minute), Attempts: CodeTries}, false},
	} {
		if got := tc.c.live(now); got != tc.want {
			t.Errorf("%s: live = %v, want %v", tc.name, got, tc.want)
		}
	}
}
