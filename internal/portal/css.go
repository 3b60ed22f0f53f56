package portal

import (
	"regexp"
	"strings"
	"unicode"
)

// blockedCSS are constructs that fetch or run something other than styles.
var blockedCSS = regexp.MustCompile(`(?i)expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:`)

// droppedAtRules are at-rules a portal's CSS may not use: @import would
// load another stylesheet (and with it anything), @charset and
// @namespace change how the rest of the theme is read.
var droppedAtRules = map[string]bool{"import": true, "charset": true, "namespace": true}

// SanitizeCSS makes an admin's custom CSS safe to append to the portal's
// theme stylesheet (SPEC P21): it cannot leave the stylesheet or reach
// into the rules before it. Every string, comment and block it opens is
// closed; a closing brace with no block is dropped; "<" never appears
// (so "</style>" cannot end a style element the CSS might one day be
// inlined in); escapes outside strings, which could spell a forbidden
// at-rule, are removed; @import, @charset and @namespace rules are dropped,
// as are expression(), javascript: and similar. Plain CSS comes back as it
// was, and sanitizing twice changes nothing more.
func SanitizeCSS(css string) string {
	css = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) && r != unicode.ReplacementChar {
			return r
		}
		if r == '\r' || r == '\f' {
			return '\n'
		}
		return -1
	}, css)
	var b strings.Builder
	depth := 0
	rs := []rune(css)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '/' && i+1 < len(rs) && rs[i+1] == '*':
			j := i + 2
			for j < len(rs) && !(rs[j] == '*' && j+1 < len(rs) && rs[j+1] == '/') {
				j++
			}
			b.WriteString("/*" + strings.ReplaceAll(string(rs[i+2:j]), "<", "") + "*/")
			i = j + 1
		case c == '"' || c == '\'':
			j := i + 1
			b.WriteRune(c)
			for ; j < len(rs) && rs[j] != c && rs[j] != '\n'; j++ {
				switch {
				case rs[j] == '\\' && j+1 < len(rs):
					b.WriteRune('\\')
					j++
					if rs[j] == '<' {
						b.WriteString("3c ")
					} else {
						b.WriteRune(rs[j])
					}
				case rs[j] == '\\':
				case rs[j] == '<':
					b.WriteString(`\3c `)
				default:
					b.WriteRune(rs[j])
				}
			}
			b.WriteRune(c)
			i = j
			if j < len(rs) && rs[j] == '\n' {
				b.WriteRune('\n')
			}
		case c == '\\':
			// Drop the escape: up to six hex digits and one space, or
			// the one character it escapes.
			j := i + 1
			for n := 0; n < 6 && j < len(rs) && isHex(rs[j]); n++ {
				j++
			}
			if j == i+1 && j < len(rs) {
				j++
			} else if j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
			i = j - 1
		case c == '<':
		case c == '@':
			j := i + 1
			for j < len(rs) && (rs[j] == '-' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			if droppedAtRules[strings.ToLower(string(rs[i+1:j]))] {
				for j < len(rs) && rs[j] != ';' && rs[j] != '{' && rs[j] != '}' {
					j++
				}
				if j < len(rs) && rs[j] == '{' {
					// An at-rule with a block: skip the block too.
					n := 0
					for ; j < len(rs); j++ {
						if rs[j] == '{' {
							n++
						} else if rs[j] == '}' {
							if n--; n == 0 {
								break
							}
						}
					}
				} else if j < len(rs) && rs[j] == '}' {
					j--
				}
				i = j
				continue
			}
			b.WriteRune(c)
		case c == '{':
			depth++
			b.WriteRune(c)
		case c == '}':
			if depth > 0 {
				depth--
				b.WriteRune(c)
			}
		default:
			b.WriteRune(c)
		}
	}
	out := b.String()
	for depth > 0 {
		out += "}"
		depth--
	}
	for blockedCSS.MatchString(out) {
		out = blockedCSS.ReplaceAllString(out, "")
	}
	return out
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}
