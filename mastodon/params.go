package mastodon

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
)

// Params are a request's parameters, from the query string and the body,
// whatever the body's encoding. Mastodon clients send JSON, url-encoded
// forms and multipart forms interchangeably, with Rails-style arrays
// (`id[]=1&id[]=2`) and nested objects (`fields_attributes[0][name]=x`).
// A JSON body is flattened into the same keys, so handlers read one shape:
// {"id": ["1","2"]} becomes id[]=1, id[]=2, and
// {"fields_attributes": [{"name": "x"}]} becomes fields_attributes[0][name]=x.
// Body values win over query values with the same key.
type Params struct {
	values url.Values
}

// maxParams bounds how many values one request may carry, so a hostile
// body cannot make the server build a huge map.
const maxParams = 1000

// parseParams reads the query string and the body of r. Bodies larger than
// limit give ETOOLARGE; malformed bodies EBADREQUEST.
func parseParams(w http.ResponseWriter, r *http.Request, limit int64) (*Params, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, starling.Errorf(starling.EBADREQUEST, "Malformed query string")
	}
	p := &Params{values: query}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, p.check()
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ctype := r.Header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(ctype)
	body := url.Values{}
	switch mediaType {
	case "application/json":
		if err := decodeJSONBody(r.Body, body); err != nil {
			return nil, err
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(limit); err != nil {
			return nil, bodyError(err, "Malformed multipart body")
		}
		body = r.MultipartForm.Value
	default:
		// Url-encoded forms, and bodies sent without a content type, which
		// some clients do for empty POSTs.
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err, "Unreadable body")
		}
		if trimmed := strings.TrimSpace(string(raw)); strings.HasPrefix(trimmed, "{") && mediaType == "" {
			if err := decodeJSONBody(strings.NewReader(trimmed), body); err != nil {
				return nil, err
			}
			break
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, starling.Errorf(starling.EBADREQUEST, "Malformed form body")
		}
		body = form
	}
	for k, vs := range body {
		p.values[k] = vs
	}
	return p, p.check()
}

// check bounds the number of values and refuses text no client sends on
// purpose: invalid UTF-8, and NUL, which PostgreSQL cannot store and which
// would otherwise surface as a 500 deep in a write.
func (p *Params) check() error {
	n := 0
	for k, vs := range p.values {
		n += len(vs)
		if !cleanText(k) {
			return starling.Errorf(starling.EBADREQUEST, "Parameter names must be valid UTF-8 without NUL characters")
		}
		if err := checkShape(k); err != nil {
			return err
		}
		for _, v := range vs {
			if !cleanText(v) {
				return starling.Errorf(starling.EBADREQUEST, "%s must be valid UTF-8 without NUL characters", k)
			}
		}
	}
	if n > maxParams {
		return starling.Errorf(starling.EBADREQUEST, "Too many parameters")
	}
	return nil
}

// The shapes a structured parameter may take.
type shape int

const (
	listOfValues  shape = iota // name[]=a&name[]=b, or name[0]=a
	listOfObjects              // name[0][field]=a, or name[][field]=a
	object                     // name[field]=a
)

// structuredShape names the parameters of the Mastodon API that are lists
// or objects, and their shapes. Every other parameter is a single value.
func structuredShape(base string) (shape, bool) {
	switch base {
	case "id", "media_ids", "redirect_uris", "types", "exclude_types", "grouped_types", "status_ids",
		"rule_ids", "account_ids", "languages", "context", "any", "all", "none":
		return listOfValues, true
	case "fields_attributes", "media_attributes", "keywords_attributes":
		return listOfObjects, true
	case "source", "poll", "subscription", "data":
		return object, true
	}
	return 0, false
}

// checkShape refuses a key whose shape its parameter cannot take: a list
// or an object sent for a single value (visibility[]=direct,
// {"sensitive": [true]}), or a list nested where the API has none. Read as
// a single value, such a parameter would be missing, and a missing
// visibility or content warning would silently fall back to something the
// client did not ask for.
func checkShape(key string) error {
	open := strings.IndexByte(key, '[')
	if open < 0 {
		return nil
	}
	base, segs, ok := splitKey(key[:open], key[open:])
	if !ok {
		return starling.Errorf(starling.EBADREQUEST, "Malformed parameter name %q", key)
	}
	kind, structured := structuredShape(base)
	if !structured {
		return starling.Errorf(starling.EBADREQUEST, "%s must be a single value, not a list or an object", base)
	}
	switch kind {
	case listOfValues:
		ok = len(segs) == 1 && isIndex(segs[0])
	case listOfObjects:
		ok = len(segs) == 2 && isIndex(segs[0]) && isName(segs[1])
	case object:
		switch base {
		case "source":
			ok = len(segs) == 1 && isName(segs[0])
		case "poll":
			ok = len(segs) == 1 && isName(segs[0]) || len(segs) == 2 && segs[0] == "options" && isIndex(segs[1])
		default: // push subscriptions nest deeper: subscription[keys][p256dh], data[alerts][follow]
			ok = isName(segs[0])
		}
	}
	if !ok {
		return starling.Errorf(starling.EBADREQUEST, "%s does not take the shape %s", base, key[open:])
	}
	return nil
}

// splitKey splits "[a][0][]" into its segments.
func splitKey(base, rest string) (string, []string, bool) {
	var segs []string
	for rest != "" {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return "", nil, false
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
	}
	return base, segs, !strings.ContainsAny(base, "]")
}

// isIndex reports whether a key segment is a list position: empty or a number.
func isIndex(seg string) bool {
	return strings.Trim(seg, "0123456789") == "" && len(seg) <= 4
}

// isName reports whether a key segment names an object field.
func isName(seg string) bool { return seg != "" && !isIndex(seg) }

func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// bodyError tells an oversized body (413) from a malformed one (400).
func bodyError(err error, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return starling.Errorf(starling.ETOOLARGE, "Request body too large")
	}
	return starling.Errorf(starling.EBADREQUEST, "%s", msg)
}

func decodeJSONBody(r io.Reader, into url.Values) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			return nil // an empty body is no parameters
		}
		return bodyError(err, "Malformed JSON body")
	}
	if dec.More() {
		return starling.Errorf(starling.EBADREQUEST, "Malformed JSON body: trailing data")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return starling.Errorf(starling.EBADREQUEST, "JSON body must be an object")
	}
	return flattenJSON("", obj, into, 0)
}

// flattenJSON writes v into out under Rails-style keys.
func flattenJSON(prefix string, v any, out url.Values, depth int) error {
	if depth > 8 {
		return starling.Errorf(starling.EBADREQUEST, "JSON body nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		// null means "not given"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key := k
			if prefix != "" {
				key = prefix + "[" + k + "]"
			}
			if err := flattenJSON(key, x[k], out, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				if err := flattenJSON(prefix+"["+strconv.Itoa(i)+"]", e, out, depth+1); err != nil {
					return err
				}
			default:
				if err := flattenJSON(prefix+"[]", e, out, depth+1); err != nil {
					return err
				}
			}
		}
	case string:
		out.Add(prefix, x)
	case json.Number:
		out.Add(prefix, x.String())
	case bool:
		out.Add(prefix, strconv.FormatBool(x))
	}
	if len(out) > maxParams {
		return starling.Errorf(starling.EBADREQUEST, "Too many parameters")
	}
	return nil
}

// Has reports whether name was given at all (even empty).
func (p *Params) Has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// String returns the value of name, or "".
func (p *Params) String(name string) string {
	return p.values.Get(name)
}

// Strings returns the values of an array parameter, accepting `name[]`,
// repeated `name`, and indexed `name[0]`, `name[1]`, ….
func (p *Params) Strings(name string) []string {
	out := append([]string{}, p.values[name+"[]"]...)
	out = append(out, p.values[name]...)
	for i := 0; ; i++ {
		vs, ok := p.values[name+"["+strconv.Itoa(i)+"]"]
		if !ok {
			break
		}
		out = append(out, vs...)
	}
	return out
}

// Objects returns the elements of an array of objects, such as
// fields_attributes[0][name]; element i holds its keys without prefix. Both
// list form (JSON arrays) and hash form ({"0": {...}}) arrive as the same keys.
func (p *Params) Objects(name string) []map[string]string {
	byIndex := map[int]map[string]string{}
	prefix := name + "["
	for k, vs := range p.values {
		if !strings.HasPrefix(k, prefix) || len(vs) == 0 {
			continue
		}
		rest := k[len(prefix):]
		idx, field, ok := strings.Cut(rest, "][")
		if !ok || !strings.HasSuffix(field, "]") {
			continue
		}
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= maxParams {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][strings.TrimSuffix(field, "]")] = vs[0]
	}
	idxs := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	out := make([]map[string]string, 0, len(idxs))
	for _, i := range idxs {
		out = append(out, byIndex[i])
	}
	return out
}

// Bool returns the boolean value of name, def when absent or empty.
// Accepted: true/false, 1/0, on/off, yes/no (any case).
func (p *Params) Bool(name string) (bool, error) {
	return p.BoolDefault(name, false)
}

// BoolDefault is Bool with a default for an absent parameter.
func (p *Params) BoolDefault(name string, def bool) (bool, error) {
	v := strings.ToLower(strings.TrimSpace(p.values.Get(name)))
	switch v {
	case "":
		return def, nil
	case "true", "1", "on", "yes", "t":
		return true, nil
	case "false", "0", "off", "no", "f":
		return false, nil
	}
	return false, starling.Errorf(starling.EBADREQUEST, "%s must be true or false", name)
}

// OptBool returns a pointer to the boolean value of name, nil when absent,
// for partial updates.
func (p *Params) OptBool(name string) (*bool, error) {
	if strings.TrimSpace(p.values.Get(name)) == "" {
		return nil, nil
	}
	b, err := p.Bool(name)
	return &b, err
}

// ID returns the Snowflake id in name; 0 when absent, EBADREQUEST when malformed.
func (p *Params) ID(name string) (int64, error) {
	v := strings.TrimSpace(p.values.Get(name))
	if v == "" {
		return 0, nil
	}
	id, ok := snowflake.Parse(v)
	if !ok {
		return 0, starling.Errorf(starling.EBADREQUEST, "%s is not a valid id", name)
	}
	return id, nil
}

// IDs returns the ids of an array parameter; EBADREQUEST if any is malformed.
func (p *Params) IDs(name string) ([]int64, error) {
	raw := p.Strings(name)
	ids := make([]int64, 0, len(raw))
	for _, v := range raw {
		id, ok := snowflake.Parse(strings.TrimSpace(v))
		if !ok {
			return nil, starling.Errorf(starling.EBADREQUEST, "%s contains an invalid id", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Int returns the integer in name, def when absent, EBADREQUEST when not a number.
func (p *Params) Int(name string, def int) (int, error) {
	v := strings.TrimSpace(p.values.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, starling.Errorf(starling.EBADREQUEST, "%s must be a whole number", name)
	}
	return n, nil
}

// pathID reads the {name} path segment as a Snowflake id. A malformed id
// cannot name anything, so it is 404 like a missing one.
func pathID(r *http.Request, name string) (int64, error) {
	id, ok := snowflake.Parse(r.PathValue(name))
	if !ok {
		return 0, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return id, nil
}
