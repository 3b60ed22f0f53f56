package portal

import (
	"reflect"
	"strings"
)

// jsonKeys lists the JSON names of a struct's fields.
func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name
}

// copyField sets the field of dst whose JSON name is key to src's.
func copyField(dst, src *Settings, key string) {
	dv, sv := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	t := dv.Type()
	for i := range t.NumField() {
		if jsonName(t.Field(i)) == key {
			dv.Field(i).Set(sv.Field(i))
			return
		}
	}
}
