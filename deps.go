//go:build tools

package tokenclock

import (
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/jonboulle/clockwork"
	_ "github.com/onsi/ginkgo/v2"
	_ "github.com/onsi/ginkgo/v2/ginkgo"
	_ "github.com/onsi/gomega"
	_ "github.com/onsi/gomega/gleak"
	_ "golang.org/x/net/html"
)
