// SPDX-License-Identifier: MIT

// gocalltree: a Go CPU workload with a known call tree and split, for the
// stripped-Go symbolization and unwinding tests:
//
//	main.main -> main.run -> main.alpha -> main.hashLoop -> crypto/sha256.block  60 %
//	                      -> main.beta  -> main.spin                            30 %
//	                      -> main.gamma -> main.spin                            10 %
//
// Usage: gocalltree [SECONDS]   (default 5)
//
// alpha's leaf is Go assembly (sha256.Sum256 over a buffer): it uses rbp as
// a general register, so only the pclntab's SP deltas unwind it. Each round
// gives the functions 6:3:1 units, scaled by a pseudo-random 1-4 so rounds
// cannot alias with the sampling period.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strconv"
	"time"
)

var (
	buf  [8192]byte
	sink uint64
)

// one unit of each kind costs about the same CPU time
const hashesPerUnit = 4
const spinsPerUnit = 60000

//go:noinline
func hashLoop(units int) {
	for i := 0; i < units*hashesPerUnit; i++ {
		s := sha256.Sum256(buf[:])
		buf[0] = s[0]
	}
}

//go:noinline
func spin(units int) {
	x := sink
	for i := 0; i < units*spinsPerUnit; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	sink = x
}

//go:noinline
func alpha(units int) { hashLoop(units) }

//go:noinline
func beta(units int) { spin(units) }

//go:noinline
func gamma(units int) { spin(units) }

//go:noinline
func run(seconds float64) int {
	rounds := 0
	seed := uint32(12345)
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		seed = seed*1103515245 + 12345
		k := int(seed>>16)%4 + 1
		alpha(6 * k)
		beta(3 * k)
		gamma(k)
		rounds += k
	}
	return rounds
}

func main() {
	seconds := 5.0
	if len(os.Args) > 1 {
		if v, err := strconv.ParseFloat(os.Args[1], 64); err == nil {
			seconds = v
		}
	}
	fmt.Printf("gocalltree: %d rounds\n", run(seconds))
}
