// Package password hashes and checks passwords with argon2id and makes
// random secrets.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Parameters of new hashes (OWASP's argon2id baseline: 19 MiB, 2 passes).
const (
	memoryKiB = 19 * 1024
	passes    = 2
	threads   = 1
	keyLen    = 32
	saltLen   = 16
)

// MinLength and MaxLength bound a password's length in characters.
const (
	MinLength = 8
	MaxLength = 256
)

// Check reports what is wrong with a new password, or "" when it will do.
func Check(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return fmt.Sprintf("must be at least %d characters", MinLength)
	case n > MaxLength:
		return fmt.Sprintf("must be at most %d characters", MaxLength)
	}
	return ""
}

// Hash returns the PHC string of pw:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errFormat = errors.New("password: not an argon2id hash")

// Verify reports whether pw matches the PHC string hash. An empty or
// malformed hash matches nothing.
func Verify(hash, pw string) bool {
	ok, err := verify(hash, pw)
	return err == nil && ok
}

func verify(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errFormat
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false, errFormat
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errFormat
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummy is a valid hash that no password matches, verified when there is
// no account so that a miss takes as long as a hit.
var dummy, _ = Hash(Random(32))

// VerifyAbsent spends the time Verify would, for a login that has no
// account, and reports false.
func VerifyAbsent(pw string) bool {
	Verify(dummy, pw)
	return false
}

// readable avoids characters that are easily confused when read aloud or
// typed from an SMS (0/O, 1/l/I).
const readable = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Random returns n random characters from an easily typed alphabet.
func Random(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	// Bytes past the last whole multiple of the alphabet are skipped so that
	// every character is equally likely.
	limit := byte(256 - 256%len(readable))
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("password: no randomness: " + err.Error())
		}
		for _, c := range buf {
			if c < limit && len(out) < n {
				out = append(out, readable[int(c)%len(readable)])
			}
		}
	}
	return string(out)
}
