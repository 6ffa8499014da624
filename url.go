package starling

import (
	"net/url"
	"strings"
)

// AbsURL returns the absolute URL of path (which starts with a slash) on
// the instance reached at base, the configured public URL.
func AbsURL(base *url.URL, path string) string {
	return strings.TrimSuffix(base.String(), "/") + path
}
