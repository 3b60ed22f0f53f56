package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"portico/internal/apperr"
)

// statusOf maps error kinds to HTTP statuses.
var statusOf = map[apperr.Kind]int{
	apperr.Internal:     http.StatusInternalServerError,
	apperr.Malformed:    http.StatusBadRequest,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.Unsupported:  http.StatusUnsupportedMediaType,
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.Unavailable:  http.StatusServiceUnavailable,
}

// errorBody is the JSON shape of every error (API.md §2).
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeError answers with err's status and safe message; causes of internal
// errors are logged, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal {
		s.logger(r).Error("request failed", "err", err)
		e = &apperr.Error{Kind: apperr.Internal, Code: "internal_error", Message: "something went wrong on our side; it has been logged"}
	}
	if e.Kind == apperr.RateLimited && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeJSON(w, statusOf[e.Kind], errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// maxJSONBody bounds JSON request bodies.
const maxJSONBody = 1 << 20

var errMalformed = apperr.E(apperr.Malformed, "malformed_json", "the body is not valid JSON")

// decodeJSON reads the request body into dst. Syntax errors are 400;
// unknown fields and wrong types are 422 with the field named.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return apperr.E(apperr.Unsupported, "unsupported_media_type", "send application/json")
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.E(apperr.Malformed, "malformed_json", "the body holds more than one JSON value")
	}
	if field := nulField(reflect.ValueOf(dst), ""); field != "" {
		return apperr.InvalidField(field, "must not contain NUL characters")
	}
	return nil
}

// nulField names the first string in v holding a NUL character, which no
// text we keep may contain, or returns "".
func nulField(v reflect.Value, path string) string {
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulField(v.Elem(), path)
		}
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			if path == "" {
				return "body"
			}
			return path
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous {
				name = ""
			}
			p := path
			if name != "" {
				p = join(name)
			}
			if got := nulField(v.Field(i), p); got != "" {
				return got
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if got := nulField(v.Index(i), join(strconv.Itoa(i))); got != "" {
				return got
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := fmt.Sprint(iter.Key().Interface())
			if strings.ContainsRune(key, 0) {
				return join("key")
			}
			if got := nulField(iter.Value(), join(key)); got != "" {
				return got
			}
		}
	}
	return ""
}

// checkQuery refuses query parameters holding NUL characters.
func checkQuery(r *http.Request) error {
	for name, values := range r.URL.Query() {
		for _, v := range values {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(name, 0) {
				return apperr.InvalidField(strings.ReplaceAll(name, "\x00", ""), "must not contain NUL characters")
			}
		}
	}
	return nil
}

func isJSON(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}

// jsonError turns a decoding error into the error a client should see.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return apperr.E(apperr.TooLarge, "body_too_large", "the body is larger than 1 MiB")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperr.E(apperr.Malformed, "malformed_json", "the body must be a JSON object")
		}
		return apperr.InvalidField(field, "must be "+jsonType(typeErr.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.InvalidField(name, "unknown field")
	case errors.Is(err, io.EOF):
		return apperr.E(apperr.Malformed, "malformed_json", "the body is empty; send a JSON object")
	}
	var e *apperr.Error
	if errors.As(err, &e) {
		return e
	}
	return errMalformed
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	case "slice", "array":
		return "a list"
	}
	return "an object"
}

func (s *Server) logger(r *http.Request) *slog.Logger {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return s.log.With("request_id", id)
	}
	return s.log
}
