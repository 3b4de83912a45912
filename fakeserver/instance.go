package fakeserver

import "net/http"

// A driver that runs several client instances at once (browser tabs) tags each
// request with the instance that sent it, so the journal can tell the tabs apart.
const (
	// InstanceHeader carries the sending instance's number, 0-based decimal
	// ("X-Tokenclock-Instance: 1"); journalled as Entry.Instance. CORS preflights
	// allow it, so a page may send it.
	InstanceHeader = "X-Tokenclock-Instance"
	// MaxInstance is the largest instance number recorded; anything above is 0.
	MaxInstance = 1023
)

// instanceOf reads InstanceHeader. Absent, several lines, or anything but one
// decimal integer in 0..MaxInstance is 0: the header is the driver's bookkeeping,
// and hostile input must not fail (or crash) the request it rides on. At most four
// digits are parsed, so no value can overflow.
func instanceOf(h http.Header) int {
	v := h.Values(InstanceHeader)
	if len(v) != 1 || len(v[0]) == 0 || len(v[0]) > 4 {
		return 0
	}
	n := 0
	for i := 0; i < len(v[0]); i++ {
		c := v[0][i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if n > MaxInstance {
		return 0
	}
	return n
}
