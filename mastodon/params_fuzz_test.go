package mastodon

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/starling-social/starling"
)

// fuzzContentTypes are the body encodings parseParams tells apart, plus
// the odd ones clients send.
var fuzzContentTypes = []string{
	"application/json",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=fuzzboundary",
	"multipart/form-data",
	"",
	"text/plain",
}

// FuzzParams feeds parseParams random bodies and query strings under every
// content type: it must never panic, must fail only with EBADREQUEST or
// ETOOLARGE, and whatever it accepts must be readable through every
// accessor without a panic or any other kind of error.
func FuzzParams(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.SetBoundary("fuzzboundary")
	_ = mw.WriteField("fields_attributes[0][name]", "a")
	_ = mw.WriteField("id[]", "1")
	_ = mw.Close()
	seeds := []struct {
		ctype uint8
		query string
		body  string
	}{
		{0, "", `{"id":["1","2"],"fields_attributes":[{"name":"x","value":"y"}],"locked":true,"n":1.5,"z":null}`},
		{1, "limit=20&max_id=5", `{"a":{"b":{"c":[1,[2,{"d":"e"}]]}}}`},
		{2, "id[]=1&id[]=x", "display_name=%E2%9C%93&fields_attributes[0][name]=a&fields_attributes[x][name]=b"},
		{3, "", mp.String()},
		{4, "", "--x\r\n"},
		{5, "q=%zz", `  {"trailing": 1} {}`},
		{5, "", "a=1&a=2&b"},
		{6, "", `[1,2,3]`},
		{0, "", `"just a string"`},
		{0, "", strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)},
		{2, strings.Repeat("k=v&", 600), strings.Repeat("k=v&", 600)},
	}
	for _, s := range seeds {
		f.Add(s.ctype, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype uint8, query string, body []byte) {
		r := httptest.NewRequest("POST", "/fuzz", bytes.NewReader(body))
		r.URL.RawQuery = query
		if ct := fuzzContentTypes[int(ctype)%len(fuzzContentTypes)]; ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		p, err := parseParams(httptest.NewRecorder(), r, 4096)
		if err != nil {
			if code := starling.ErrorCode(err); code != starling.EBADREQUEST && code != starling.ETOOLARGE {
				t.Fatalf("error %v has code %q", err, code)
			}
			return
		}
		keys := []string{"id", "limit", "fields_attributes", "locked"}
		for k := range p.values {
			keys = append(keys, k, strings.TrimSuffix(k, "[]"))
			if i := strings.IndexByte(k, '['); i > 0 {
				keys = append(keys, k[:i])
			}
		}
		accessorErr := func(err error) {
			if err != nil && starling.ErrorCode(err) != starling.EBADREQUEST {
				t.Fatalf("accessor error %v", err)
			}
		}
		for _, k := range keys {
			p.Has(k)
			p.String(k)
			p.Strings(k)
			p.Objects(k)
			_, err := p.Bool(k)
			accessorErr(err)
			_, err = p.OptBool(k)
			accessorErr(err)
			_, err = p.ID(k)
			accessorErr(err)
			_, err = p.IDs(k)
			accessorErr(err)
			_, err = p.Int(k, 0)
			accessorErr(err)
			_, err = parsePage(p, starling.MaxPageLimit)
			accessorErr(err)
		}
		n := 0
		for _, vs := range p.values {
			n += len(vs)
		}
		if n > maxParams {
			t.Fatalf("%d values accepted, more than %d", n, maxParams)
		}
	})
}
