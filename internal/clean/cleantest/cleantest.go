// Package cleantest holds the hostile text kubesurface's tests feed it, as
// servers, kubeconfigs and results files can carry it, and the check that
// an output shows none of it raw.
package cleantest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubesurface/kubesurface/internal/clean"
)

// Hostile has one of each kind of text that must not reach a terminal raw.
var Hostile = []string{
	"\x1b[2J\x1b[H",                        // clear screen, cursor home
	"\x1b[5;31mblink\x1b[0m",               // colour and blink
	"\x1b]0;pwned title\x07",               // OSC window title
	"\x1b]8;;https://evil.example/\x1b\\x", // OSC 8 hyperlink
	"\x1bP1$r\x1b\\",                       // DCS
	"row\r\nforged\trow",                   // forged table rows
	"\u009b31m",                            // C1 CSI
	"\u0085next\u2028line\u2029para",       // NEL, line and paragraph separators
	"del\x7f",                              // DEL
	"\u202egnp.exe",                        // right-to-left override
	"\u2066iso\u2069\u200e\u200f\u061c",    // isolates and marks
}

// Invalid is text that is not UTF-8.
const Invalid = "\xff\xfe bad utf-8 \xc0"

// Payload is every kind of Hostile text in one value, between two words a
// test can look for: "evil" before and "tail" after.
var Payload = "evil" + strings.Join(Hostile, "") + "tail"

// Problems lists what out holds that no cleaned output may: raw control
// characters other than the newlines between lines, bidirectional
// formatting characters, and bytes that are not UTF-8.
func Problems(out string) []string {
	var bad []string
	for i, r := range out {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(out[i:], string(clean.Replacement)):
			bad = append(bad, fmt.Sprintf("byte %#x at %d is not UTF-8", out[i], i))
		case r != '\n' && clean.IsControl(r):
			bad = append(bad, fmt.Sprintf("%U at %d (%q)", r, i, context(out, i)))
		}
		if len(bad) >= 10 {
			break
		}
	}
	return bad
}

func context(s string, i int) string {
	return s[max(0, i-30):min(len(s), i+30)]
}

// Check fails t when out, the output named what, holds anything Problems
// finds.
func Check(t testing.TB, what, out string) {
	t.Helper()
	if bad := Problems(out); len(bad) > 0 {
		t.Errorf("%s shows raw control text: %s", what, strings.Join(bad, "; "))
	}
}

// Poison appends text to every string v points to, however deep: struct
// fields, slices, arrays, maps (keys as well as values) and pointers. A
// test poisons a whole result this way, so that a field added later is
// covered without the test knowing it.
func Poison(v any, text string) {
	poison(reflect.ValueOf(v), text)
}

func poison(v reflect.Value, text string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			poison(v.Elem(), text)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				poison(f, text)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			poison(v.Index(i), text)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Pointer {
			for it := v.MapRange(); it.Next(); {
				poison(it.Value(), text)
			}
			return
		}
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return
		}
		fresh := reflect.MakeMap(v.Type())
		for it := v.MapRange(); it.Next(); {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(it.Key().String() + text)
			e := reflect.New(v.Type().Elem()).Elem()
			e.SetString(it.Value().String() + text)
			fresh.SetMapIndex(k, e)
		}
		v.Set(fresh)
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + text)
		}
	}
}
