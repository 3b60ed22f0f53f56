package portal

import (
	"strings"
	"testing"
)

func TestSanitizeCSS(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain CSS is kept", ".brand { letter-spacing: 1px; }\n@media (max-width: 600px) { h1 { font-size: 1rem } }",
			".brand { letter-spacing: 1px; }\n@media (max-width: 600px) { h1 { font-size: 1rem } }"},
		{"comments are kept and closed", "/* brand */ a { color: red } /* open", "/* brand */ a { color: red } /* open*/"},
		{"an open block is closed", "a { color: red", "a { color: red}"},
		{"a stray brace is dropped", "} body { margin: 0 }", " body { margin: 0 }"},
		{"the style element cannot be closed", "</style><script>alert(1)</script>", "/style>script>alert(1)/script>"},
		{"imports are dropped", "@import url(https://evil.example/x.css); a { color: red }", " a { color: red }"},
		{"escaped imports are not imports", `@\69mport "x.css"; a{}`, `@mport "x.css"; a{}`},
		{"charset is dropped", "@charset \"utf-8\";a{}", "a{}"},
		{"an open string is closed", `a { content: "abc`, `a { content: "abc"}`},
		{"markup in a string is escaped", `a::after { content: "</style>" }`, `a::after { content: "\3c /style>" }`},
		{"expressions go", "a { width: expression(alert(1)); background: url(javascript:alert(1)) }", "a { width: alert(1)); background: url(alert(1)) }"},
		{"NUL and controls go", "a\x00 { color: red\x07 }", "a { color: red }"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SanitizeCSS(tc.in)
			if got != tc.want {
				t.Errorf("SanitizeCSS(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := SanitizeCSS(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
			if strings.Contains(got, "<") {
				t.Errorf("%q holds <", got)
			}
		})
	}
}
