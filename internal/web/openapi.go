package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"portico/internal/portal"
	"portico/internal/ticket"
)

// openAPIDocument describes every API route registered with s.api as an
// OpenAPI 3.1 document.
func (s *Server) openAPIDocument() ([]byte, error) {
	g := &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}}
	g.components["Error"] = map[string]any{
		"type": "object",
		"properties": map[string]any{"error": map[string]any{
			"type":     "object",
			"required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string"},
				"message": map[string]any{"type": "string"},
				"fields":  map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			},
		}},
	}
	paths := map[string]map[string]any{}
	for _, o := range s.ops {
		path := "/api/v1" + o.path
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(o.method)] = g.operation(o)
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Portico API",
			"version":     "1",
			"description": "Agents and integrations use a bearer API key (portico apikey create); the customer portal routes under /api/v1/portal/{slug} use the session cookie that signing in sets; while a customer's account must choose a new password, those routes answer 403 password_change_required except GET /me, PUT /me/password and signing in and out; a session whose contact may no longer use the portal (it left the portal's access groups) is ended, and its next request answers 403 access_denied; while a portal is switched off its routes answer 503 portal_unavailable. Errors have the shape of the Error schema.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []string{}}},
		"components": map[string]any{"schemas": g.components, "securitySchemes": map[string]any{
			"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
		}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (g *schemaGen) operation(o *op) map[string]any {
	out := map[string]any{
		"summary":     o.summary,
		"tags":        []string{o.tag},
		"operationId": operationID(o),
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
		schema := map[string]any{"type": "integer", "minimum": 1}
		if m[1] == "slug" {
			schema = map[string]any{"type": "string"}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	for _, q := range o.query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": queryParamSchema(q)})
	}
	if len(params) > 0 {
		out["parameters"] = params
	}
	if o.body != nil {
		content := map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(o.body))}}
		if o.multipart {
			props := map[string]any{
				"files": map[string]any{"type": "array", "items": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
			}
			bt := reflect.TypeOf(o.body)
			for i := range bt.NumField() {
				name, _, _ := strings.Cut(bt.Field(i).Tag.Get("json"), ",")
				if name != "" && name != "-" && bt.Field(i).Type.Kind() != reflect.Map {
					props[name] = map[string]any{"type": "string"}
				}
			}
			content["multipart/form-data"] = map[string]any{"schema": map[string]any{"type": "object", "properties": props}}
		}
		out["requestBody"] = map[string]any{"required": true, "content": content}
	}
	responses := map[string]any{}
	success := map[string]any{"description": http.StatusText(o.status)}
	switch {
	case o.file:
		success["content"] = map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}}
	case o.resp != nil && o.list:
		success["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type":     "object",
			"required": []string{"items", "next_cursor", "total"},
			"properties": map[string]any{
				"items":       map[string]any{"type": "array", "items": g.schema(reflect.TypeOf(o.resp))},
				"next_cursor": map[string]any{"type": []string{"string", "null"}},
				"total":       map[string]any{"type": "integer"},
			},
		}}}
	case o.resp != nil:
		success["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(o.resp))}}
	}
	responses[strconv.Itoa(o.status)] = success
	for _, st := range o.also {
		alt := map[string]any{"description": http.StatusText(st)}
		if c, ok := success["content"]; ok {
			alt["content"] = c
		}
		responses[strconv.Itoa(st)] = alt
	}
	errRef := map[string]any{"$ref": "#/components/schemas/Error"}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	switch {
	case o.customer && o.public:
		out["security"] = []any{map[string]any{}}
	case o.customer:
		out["security"] = []any{map[string]any{"session": []string{}}}
		responses["401"] = errResp("Not signed in to this portal")
	default:
		responses["401"] = errResp("No valid API key")
	}
	if o.admin {
		responses["403"] = errResp("Only admins may do this")
	}
	if strings.Contains(o.path, "{") {
		responses["404"] = errResp("Not found")
	}
	if o.body != nil || len(o.query) > 0 {
		responses["422"] = errResp("Invalid input; fields names each problem")
	}
	if o.body != nil {
		responses["400"] = errResp("Malformed body")
	}
	if o.multipart {
		responses["413"] = errResp("An attachment is over the upload limit")
	}
	if o.method != "GET" {
		responses["409"] = errResp("Conflicts with the current state (a name, login or domain taken, a closed ticket…)")
	}
	for status, desc := range extraResponses[o.method+" "+o.path] {
		responses[strconv.Itoa(status)] = errResp(desc)
	}
	out["responses"] = responses
	return out
}

// extraResponses are error answers of routes that their op does not imply,
// by method and path.
var extraResponses = map[string]map[int]string{
	"POST /portal/{slug}/session": {
		403: "access_denied: the password is right, but none of the account's contacts is in the portal's access groups",
		429: "Too many failed sign-ins for this login or from this address; see Retry-After",
	},
	"POST /portal/{slug}/password/set": {
		400: "invalid_link: the token is wrong, expired, used or replaced by a newer link",
		403: "access_denied: the account's contacts are not in the portal's access groups",
		429: "Too many wrong tokens or codes from this address; see Retry-After",
	},
	"POST /access-groups/{id}/invitations": {
		409: "group_not_in_portal: no portal that is on admits the group with the access_groups mode",
	},
	"PUT /portal/{slug}/me/password": {
		422: "Invalid input: a wrong current_password (counted as a failed sign-in) or a new_password that does not do",
		429: "Too many failed sign-ins for this login or from this address; see Retry-After",
	},
	"POST /portal/{slug}/password/forgot": {
		429: "Too many codes for this login or from this address; see Retry-After",
	},
	"POST /portal/{slug}/password/reset": {
		400: "invalid_code: the same answer for an unknown login and a wrong, expired, used or voided code",
		429: "Too many wrong codes from this address; see Retry-After",
	},
	"POST /portal/{slug}/register": {
		429: "Too many registrations from this address or codes for this email address; see Retry-After",
	},
	"POST /portal/{slug}/register/verify": {
		400: "invalid_code: the code is wrong, expired, used or voided",
		409: "account_exists: an account with this email address was opened meanwhile",
		429: "Too many wrong codes from this address; see Retry-After",
	},
}

func operationID(o *op) string {
	parts := []string{strings.ToLower(o.method)}
	for _, seg := range strings.Split(strings.Trim(o.path, "/"), "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.ReplaceAll(seg, "-", "_")
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}

func queryParamSchema(name string) map[string]any {
	switch {
	case name == "limit":
		return map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
	case name == "owner_id":
		return map[string]any{"oneOf": []any{map[string]any{"type": "integer", "minimum": 1}, map[string]any{"const": "none"}}}
	case strings.HasSuffix(name, "_id"):
		return map[string]any{"type": "integer", "minimum": 1}
	case name == "order":
		return map[string]any{"enum": []string{"asc", "desc"}}
	case name == "status":
		return map[string]any{"enum": []string{"open", "closed"}}
	}
	return map[string]any{"type": "string"}
}

// schemaGen turns Go types into JSON Schemas, naming structs as components.
type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	priorityType = reflect.TypeOf(ticket.Priority(""))
	secretType   = reflect.TypeOf(portal.Secret{})
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case priorityType:
		return map[string]any{"type": []string{"string", "null"}, "enum": []any{"low", "medium", "high", "urgent", nil}}
	case secretType:
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string", "writeOnly": true},
			map[string]any{"type": "object", "properties": map[string]any{"set": map[string]any{"type": "boolean"}}, "readOnly": true},
			map[string]any{"type": "null"},
		}}
	}
	if t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Field[") {
		inner := g.schema(t.Field(1).Type.Elem())
		return map[string]any{"oneOf": []any{inner, map[string]any{"type": "null"}}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return map[string]any{"oneOf": []any{g.schema(t.Elem()), map[string]any{"type": "null"}}}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return g.structRef(t)
	}
	return map[string]any{}
}

func (g *schemaGen) structRef(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = t.Name()
		if name == "" {
			return g.structSchema(t)
		}
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		if _, taken := g.components[name]; taken || name == "Input" || name == "Filter" || strings.HasSuffix(name, "Input") && pkg != "web" {
			name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
		}
		g.names[t] = name
		g.components[name] = map[string]any{} // placeholder for recursion
		g.components[name] = g.structSchema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	g.fields(t, props)
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
}
