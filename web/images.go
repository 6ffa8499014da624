package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// The default avatar and header are drawn once when the Handler is built,
// rather than shipped as binary files: a grey silhouette on a darker
// background, and a plain band in the accent colour.

const (
	avatarSize   = 96 // twice the size the pages show, for high-density screens
	headerWidth  = 600
	headerHeight = 200
)

// defaultAvatar draws the silhouette, smoothing its edges by sampling each
// pixel on a 4×4 grid.
func defaultAvatar() []byte {
	bg := color.RGBA{0x8c, 0x95, 0xa1, 0xff}
	fg := color.RGBA{0xd8, 0xdd, 0xe3, 0xff}
	const grid = 4
	inside := func(x, y float64) bool {
		head := sq(x-48)+sq(y-38) <= sq(18)
		shoulders := sq((x-48)/34)+sq((y-98)/38) <= 1
		return head || shoulders
	}
	img := image.NewRGBA(image.Rect(0, 0, avatarSize, avatarSize))
	for y := 0; y < avatarSize; y++ {
		for x := 0; x < avatarSize; x++ {
			hits := 0
			for i := 0; i < grid*grid; i++ {
				if inside(float64(x)+(float64(i%grid)+0.5)/grid, float64(y)+(float64(i/grid)+0.5)/grid) {
					hits++
				}
			}
			img.SetRGBA(x, y, mix(bg, fg, float64(hits)/grid/grid))
		}
	}
	return encodePNG(img)
}

func defaultHeader() []byte {
	img := image.NewRGBA(image.Rect(0, 0, headerWidth, headerHeight))
	top := color.RGBA{0x6a, 0x5a, 0xc4, 0xff}
	bottom := color.RGBA{0x4a, 0x3c, 0x9a, 0xff}
	for y := 0; y < headerHeight; y++ {
		c := mix(top, bottom, float64(y)/(headerHeight-1))
		for x := 0; x < headerWidth; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	return encodePNG(img)
}

func sq(v float64) float64 { return v * v }

// mix blends a towards b by t in 0..1.
func mix(a, b color.RGBA, t float64) color.RGBA {
	lerp := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.RGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), 0xff}
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		// Only a failing writer can make it fail, and a buffer does not.
		panic("web: encoding a default image: " + err.Error())
	}
	return b.Bytes()
}
