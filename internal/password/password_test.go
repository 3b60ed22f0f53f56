package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string with the expected parameters", h)
	}
	if !Verify(h, "correct horse battery") {
		t.Error("the right password does not verify")
	}
	h2, _ := Hash("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct{ name, hash, pw string }{
		{"wrong password", h, "correct horse batterz"},
		{"empty hash", "", ""},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery"},
		{"tampered key", h[:len(h)-2] + "AA", "correct horse battery"},
		{"huge memory", strings.Replace(h, "m=19456", "m=99999999", 1), "correct horse battery"},
		{"garbage", "$argon2id$v=19$m=x$y$z", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if Verify(tc.hash, tc.pw) {
				t.Error("verified")
			}
		})
	}
	if VerifyAbsent("anything") {
		t.Error("VerifyAbsent reported a match")
	}
}

func TestCheck(t *testing.T) {
	for pw, ok := range map[string]bool{"short": false, "12345678": true, "密码密码密码密码": true, strings.Repeat("x", 257): false} {
		if got := Check(pw) == ""; got != ok {
			t.Errorf("Check(%q) ok = %v, want %v", pw, got, ok)
		}
	}
}

func TestRandom(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		s := Random(12)
		if len(s) != 12 || strings.ContainsAny(s, "0O1lI") {
			t.Fatalf("Random(12) = %q", s)
		}
		if seen[s] {
			t.Fatalf("Random repeated %q", s)
		}
		seen[s] = true
		for _, r := range s {
			counts[r]++
		}
	}
	// 24,000 characters over 56 symbols: about 430 each; a biased
	// generator would starve or favour some.
	for _, r := range readable {
		if n := counts[r]; n < 250 || n > 650 {
			t.Errorf("%q appeared %d times", r, n)
		}
	}
}
