package mastodon

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/starling-social/starling"
)

func newRequest(t *testing.T, method, target, ctype, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return r
}

func multipartBody(t *testing.T, fields [][2]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

// TestParamsEncodingsAgree sends the same parameters as JSON, as a form and
// as multipart, and expects handlers to see the same values.
func TestParamsEncodingsAgree(t *testing.T) {
	mpType, mpBody := multipartBody(t, [][2]string{
		{"status", "hello"}, {"sensitive", "true"}, {"media_ids[]", "1"}, {"media_ids[]", "2"},
		{"fields_attributes[0][name]", "site"}, {"fields_attributes[0][value]", "x.org"},
		{"fields_attributes[1][name]", "pronouns"}, {"fields_attributes[1][value]", "they"},
	})
	tests := []struct {
		name, ctype, body string
	}{
		{"json", "application/json", `{"status":"hello","sensitive":true,"media_ids":["1",2],
			"fields_attributes":[{"name":"site","value":"x.org"},{"name":"pronouns","value":"they"}]}`},
		{"json with charset", "application/json; charset=utf-8", `{"status":"hello","sensitive":"true","media_ids":["1","2"],
			"fields_attributes":{"0":{"name":"site","value":"x.org"},"1":{"name":"pronouns","value":"they"}}}`},
		{"form", "application/x-www-form-urlencoded", "status=hello&sensitive=1&media_ids[]=1&media_ids[]=2" +
			"&fields_attributes[0][name]=site&fields_attributes[0][value]=x.org" +
			"&fields_attributes[1][name]=pronouns&fields_attributes[1][value]=they"},
		{"multipart", mpType, mpBody},
		{"json without content type", "", `{"status":"hello","sensitive":true,"media_ids":["1","2"],
			"fields_attributes":[{"name":"site","value":"x.org"},{"name":"pronouns","value":"they"}]}`},
	}
	wantFields := []map[string]string{{"name": "site", "value": "x.org"}, {"name": "pronouns", "value": "they"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseParams(httptest.NewRecorder(), newRequest(t, "POST", "/x", tt.ctype, tt.body), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String("status"); got != "hello" {
				t.Errorf("status = %q", got)
			}
			if got, err := p.Bool("sensitive"); err != nil || !got {
				t.Errorf("sensitive = %v, %v", got, err)
			}
			if got, err := p.IDs("media_ids"); err != nil || !reflect.DeepEqual(got, []int64{1, 2}) {
				t.Errorf("media_ids = %v, %v", got, err)
			}
			if got := p.Objects("fields_attributes"); !reflect.DeepEqual(got, wantFields) {
				t.Errorf("fields_attributes = %v", got)
			}
		})
	}
}

func TestParamsQueryAndBodyMerge(t *testing.T) {
	r := newRequest(t, "POST", "/x?a=query&b=query&id[]=5", "application/x-www-form-urlencoded", "b=body")
	p, err := parseParams(httptest.NewRecorder(), r, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if p.String("a") != "query" || p.String("b") != "body" {
		t.Errorf("a=%q b=%q", p.String("a"), p.String("b"))
	}
	if ids, _ := p.IDs("id"); !reflect.DeepEqual(ids, []int64{5}) {
		t.Errorf("id[] = %v", ids)
	}
}

func TestParamsErrors(t *testing.T) {
	big := `{"status":"` + strings.Repeat("x", 20000) + `"}`
	deep := strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat(`}`, 20)
	many := `{"a":[` + strings.TrimSuffix(strings.Repeat(`"1",`, 1500), ",") + `]}`
	tests := []struct {
		name, ctype, body, query string
		code                     string
	}{
		{"malformed json", "application/json", `{"status":`, "", starling.EBADREQUEST},
		{"json array", "application/json", `["a"]`, "", starling.EBADREQUEST},
		{"json trailing data", "application/json", `{} {}`, "", starling.EBADREQUEST},
		{"too deep", "application/json", deep, "", starling.EBADREQUEST},
		{"too many values", "application/json", many, "", starling.EBADREQUEST},
		{"oversized json", "application/json", big, "", starling.ETOOLARGE},
		{"oversized form", "application/x-www-form-urlencoded", "status=" + strings.Repeat("x", 20000), "", starling.ETOOLARGE},
		{"malformed multipart", "multipart/form-data; boundary=zzz", "garbage", "", starling.EBADREQUEST},
		{"malformed query", "", "", "a=%zz", starling.EBADREQUEST},
		{"malformed form", "application/x-www-form-urlencoded", "a=%zz", "", starling.EBADREQUEST},
		{"NUL in a form value", "application/x-www-form-urlencoded", "status=a%00b", "", starling.EBADREQUEST},
		{"NUL in a JSON value", "application/json", `{"status":"a\u0000b"}`, "", starling.EBADREQUEST},
		{"invalid UTF-8 in a form value", "application/x-www-form-urlencoded", "status=%ff%fe", "", starling.EBADREQUEST},
		{"invalid UTF-8 in a query key", "", "", "%ff=1", starling.EBADREQUEST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/x"
			if tt.query != "" {
				target += "?" + tt.query
			}
			_, err := parseParams(httptest.NewRecorder(), newRequest(t, "POST", target, tt.ctype, tt.body), 16384)
			if got := starling.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

func TestParamsEmptyBodies(t *testing.T) {
	for _, ctype := range []string{"", "application/json", "application/x-www-form-urlencoded"} {
		p, err := parseParams(httptest.NewRecorder(), newRequest(t, "POST", "/x", ctype, ""), 1024)
		if err != nil {
			t.Errorf("%q: %v", ctype, err)
			continue
		}
		if p.Has("status") || len(p.Strings("id")) != 0 || len(p.Objects("f")) != 0 {
			t.Errorf("%q: values from nowhere", ctype)
		}
	}
	p, err := parseParams(httptest.NewRecorder(), newRequest(t, "POST", "/x", "application/json", "null"), 1024)
	if err != nil || p.Has("status") {
		t.Errorf("null body: %v", err)
	}
}

func TestParamsTypedAccessors(t *testing.T) {
	p := &Params{values: map[string][]string{
		"yes": {"TRUE"}, "no": {"0"}, "bad": {"maybe"}, "n": {"42"}, "nan": {"4x"},
		"id": {"1120793199650463747"}, "badid": {"-3"}, "ids[]": {"1", "x"},
	}}
	if b, err := p.Bool("yes"); !b || err != nil {
		t.Errorf("yes = %v %v", b, err)
	}
	if b, err := p.Bool("no"); b || err != nil {
		t.Errorf("no = %v %v", b, err)
	}
	if b, err := p.BoolDefault("absent", true); !b || err != nil {
		t.Errorf("absent = %v %v", b, err)
	}
	if b, err := p.OptBool("absent"); b != nil || err != nil {
		t.Errorf("OptBool absent = %v %v", b, err)
	}
	if _, err := p.Bool("bad"); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Errorf("bad bool: %v", err)
	}
	if n, err := p.Int("n", 7); n != 42 || err != nil {
		t.Errorf("n = %d %v", n, err)
	}
	if n, err := p.Int("absent", 7); n != 7 || err != nil {
		t.Errorf("default = %d %v", n, err)
	}
	if _, err := p.Int("nan", 7); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Errorf("nan: %v", err)
	}
	if id, err := p.ID("id"); id != 1120793199650463747 || err != nil {
		t.Errorf("id = %d %v", id, err)
	}
	if _, err := p.ID("badid"); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Errorf("badid: %v", err)
	}
	if _, err := p.IDs("ids"); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Errorf("ids: %v", err)
	}
}

func TestCheckShape(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"status", true},
		{"id[]", true},
		{"id[12]", true},
		{"media_ids[]", true},
		{"fields_attributes[0][name]", true},
		{"fields_attributes[][value]", true},
		{"source[privacy]", true},
		{"poll[options][]", true},
		{"poll[expires_in]", true},
		{"subscription[keys][p256dh]", true},
		{"status[]", false},
		{"status[0]", false},
		{"visibility[x]", false},
		{"id[][]", false},
		{"id[x]", false},
		{"id[12345]", false},
		{"fields_attributes[0]", false},
		{"fields_attributes[0][name][]", false},
		{"source[privacy][]", false},
		{"source[0]", false},
		{"poll[options][x]", false},
		{"[x]", false},
		{"a[b", false},
		{"a]b[c]", false},
		{"id[]x", false},
	}
	for _, tt := range tests {
		err := checkShape(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("checkShape(%q) = %v, want ok %v", tt.key, err, tt.ok)
		}
		if err != nil && starling.ErrorCode(err) != starling.EBADREQUEST {
			t.Errorf("checkShape(%q) code %s", tt.key, starling.ErrorCode(err))
		}
	}
}
