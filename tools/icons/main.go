// Command icons draws Rapport's app icons into internal/web/static/icons:
// icon.svg, and PNGs for the web app manifest (192 and 512 px, rounded)
// and for iOS's home screen (180 px, square, which iOS rounds itself).
// The mark is a white R on the accent colour, drawn from the same
// rectangles, half-discs and quadrilateral in both formats. Run it from
// the module's root after changing the mark:
//
//	go run ./tools/icons
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
)

const dir = "internal/web/static/icons"

// The mark on a 512-unit square.
const (
	size   = 512.0
	corner = 112.0 // the radius of the rounded icon's corners
)

var (
	accent = color.NRGBA{0x29, 0x52, 0xcc, 0xff}
	white  = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// svg is the mark as SVG: the R's outline less its counter, and its leg.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<rect width="512" height="512" rx="112" fill="#2952cc"/>
<path fill="#fff" fill-rule="evenodd" d="M150 120H270A78 78 0 0 1 270 276H206V392H150ZM206 176H270A22 22 0 0 1 270 220H206Z"/>
<path fill="#fff" d="M222 276H278L362 392H306Z"/>
</svg>
`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "icons:", err)
		os.Exit(1)
	}
}

func run() error {
	if err := os.WriteFile(filepath.Join(dir, "icon.svg"), []byte(svg), 0o644); err != nil {
		return err
	}
	for _, icon := range []struct {
		name    string
		px      int
		rounded bool
	}{{"icon-192.png", 192, true}, {"icon-512.png", 512, true}, {"apple-touch-icon.png", 180, false}} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, draw(icon.px, icon.rounded)); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, icon.name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// draw renders the mark at px pixels square, each pixel the average of
// 4×4 samples so that the edges are smooth.
func draw(px int, rounded bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	const n = 4
	scale := size / float64(px)
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			var bg, fg int
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					ux := (float64(x) + (float64(sx)+0.5)/n) * scale
					uy := (float64(y) + (float64(sy)+0.5)/n) * scale
					if !rounded || inRounded(ux, uy) {
						bg++
						if inMark(ux, uy) {
							fg++
						}
					}
				}
			}
			img.SetNRGBA(x, y, mix(bg, fg, n*n))
		}
	}
	return img
}

// mix is the colour of a pixel of which bg samples fall on the icon and
// fg of those on the mark, out of all.
func mix(bg, fg, all int) color.NRGBA {
	if bg == 0 {
		return color.NRGBA{}
	}
	t := float64(fg) / float64(bg)
	c := func(a, b uint8) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t + 0.5) }
	return color.NRGBA{c(accent.R, white.R), c(accent.G, white.G), c(accent.B, white.B), uint8(255 * bg / all)}
}

func inRounded(x, y float64) bool {
	cx := clamp(x, corner, size-corner)
	cy := clamp(y, corner, size-corner)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= corner*corner
}

func clamp(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }

// inMark follows the SVG's paths.
func inMark(x, y float64) bool {
	outer := inRect(x, y, 150, 120, 270, 276) || inHalfDisc(x, y, 270, 198, 78) || inRect(x, y, 150, 276, 206, 392)
	counter := inRect(x, y, 206, 176, 270, 220) || inHalfDisc(x, y, 270, 198, 22)
	leg := y >= 276 && y <= 392 && x >= 222+(y-276)*(306-222)/(392-276) && x <= 278+(y-276)*(362-278)/(392-276)
	return outer && !counter || leg
}

func inRect(x, y, x0, y0, x1, y1 float64) bool { return x >= x0 && x <= x1 && y >= y0 && y <= y1 }

// inHalfDisc is the right half of the disc of radius r around (cx, cy).
func inHalfDisc(x, y, cx, cy, r float64) bool {
	return x >= cx && (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}
