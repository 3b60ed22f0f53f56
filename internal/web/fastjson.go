package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// The customer ticket list is the portal's busiest answer, and encoding it
// by reflection cost as much as reading it. Its body is written here by
// hand, byte for byte as writeList would (a test compares the two).

// writePortalTickets writes a page of portal tickets as writeList does.
func writePortalTickets(w http.ResponseWriter, items []portalTicket, next string, total int) {
	b := make([]byte, 0, 256+len(items)*400)
	b = append(b, `{"items":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = items[i].appendJSON(b)
	}
	b = append(b, `],"next_cursor":`...)
	if next != "" {
		b = appendJSONString(b, next)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (t *portalTicket) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, t.ID, 10)
	b = appendField(b, "subject", t.Subject)
	b = appendField(b, "status", t.Status)
	if t.StageName != nil {
		b = appendField(b, "stage_name", *t.StageName)
	}
	b = appendField(b, "pipeline_name", t.PipelineName)
	b = append(b, `,"requester":{"name":`...)
	b = appendJSONString(b, t.Requester.Name)
	b = append(b, `},"company":`...)
	if t.Company != nil {
		b = appendJSONString(b, *t.Company)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"owner":`...)
	if t.Owner != nil {
		b = append(b, `{"display_name":`...)
		b = appendJSONString(b, t.Owner.DisplayName)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = appendField(b, "priority", t.Priority)
	b = appendField(b, "reply_channel", t.ReplyChannel)
	b = append(b, `,"draft":`...)
	b = strconv.AppendBool(b, t.Draft)
	b = append(b, `,"properties":`...)
	switch {
	case t.Properties == nil:
		b = append(b, "null"...)
	case len(t.Properties) == 0:
		b = append(b, "{}"...)
	default:
		p, err := json.Marshal(t.Properties)
		if err != nil {
			p = []byte("{}")
		}
		b = append(b, p...)
	}
	b = appendTime(append(b, `,"created_at":`...), t.CreatedAt)
	b = appendTime(append(b, `,"last_activity_at":`...), t.LastActivityAt)
	b = append(b, `,"closed_at":`...)
	if t.ClosedAt != nil {
		b = appendTime(b, *t.ClosedAt)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	return appendJSONString(b, value)
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping on.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
