package linkage

import (
	"fmt"
	"os"
)

func init() {
	if os.Getenv("LINKAGE_DEBUG") != "" {
		debugEM = func(session string, pairs int, lambda float64, mSum [][]float64) {
			fmt.Printf("session %s: %d pairs, share %.3f\n", session, pairs, lambda)
			for _, c := range mSum {
				sum := 0.0
				for _, x := range c {
					sum += x
				}
				fmt.Printf("   ")
				for _, x := range c {
					fmt.Printf(" %.3f", x/max(sum, 1e-9))
				}
				fmt.Printf("  (%.0f)\n", sum)
			}
		}
	}
}
