package conformance

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a run that a CI matrix splits across jobs (--shard
// INDEX/TOTAL): it plays the (client, profile, scenario) pairs that fall to it.
// Merge puts the parts back together.
type Shard struct {
	Index int `json:"index"` // 1..Total
	Total int `json:"total"`
}

// maxShards bounds --shard's total: beyond this a CI matrix has more jobs than rows.
const maxShards = 1000

// ParseShard reads "INDEX/TOTAL", 1 ≤ INDEX ≤ TOTAL ≤ 1000.
func ParseShard(s string) (Shard, error) {
	i, t, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(i)
	total, err2 := strconv.Atoi(t)
	if !ok || err1 != nil || err2 != nil || total < 1 || total > maxShards || index < 1 || index > total {
		return Shard{}, fmt.Errorf("--shard %q: want INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL ≤ %d, e.g. 2/3", s, maxShards)
	}
	return Shard{Index: index, Total: total}, nil
}

// String is "INDEX/TOTAL".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Total) }

// Valid reports whether 1 ≤ Index ≤ Total ≤ 1000 (a shard read from a file).
func (s Shard) Valid() bool {
	return s.Total >= 1 && s.Total <= maxShards && s.Index >= 1 && s.Index <= s.Total
}

// Has reports whether the pair belongs to the shard. The pair's place is a hash of
// the client's name, its profile and the scenario ID, not a position: a row added to
// the catalog, or a client added to the run, moves no other pair to another shard,
// so a shard's history stays comparable across catalog versions. The price is that
// shards are only about equal in size: binomially, 70 rows × 3 clients in 3 shards
// are 70 pairs each with a standard deviation of 7 (SHA-256 spreads them so; a
// plain FNV hash did not).
func (s Shard) Has(client, profile, scenarioID string) bool {
	if s.Total <= 1 {
		return true
	}
	sum := sha256.Sum256([]byte(client + "\x00" + profile + "\x00" + scenarioID))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(s.Total)) == s.Index-1
}
