package account

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"portico/internal/apperr"
)

func picture(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 200, G: 30, B: 30, A: 255} // red on the left half
			if x >= w/2 {
				c = color.NRGBA{R: 30, G: 30, B: 200, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEncodeAvatar(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       []byte
		side     int // 0: refused
		leftRed  bool
		rightRed bool
	}{
		{"wide PNG is cropped to its centre and scaled down", picture(t, "png", 1000, 500), AvatarSide, true, false},
		{"JPEG", picture(t, "jpeg", 300, 300), AvatarSide, true, false},
		{"GIF", picture(t, "gif", 64, 64), 64, true, false},
		{"small square keeps its size", picture(t, "png", 40, 40), 40, true, false},
		{"too many pixels", picture(t, "png", 5000, 4000), 0, false, false},
		{"not a picture", []byte("<html><script>alert(1)</script></html>"), 0, false, false},
		{"empty", nil, 0, false, false},
		{"truncated PNG", picture(t, "png", 100, 100)[:60], 0, false, false},
		{"over 2 MB", append(picture(t, "png", 10, 10), make([]byte, MaxAvatarBytes)...), 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := EncodeAvatar(bytes.NewReader(tc.in))
			if tc.side == 0 {
				if !apperr.Is(err, apperr.Invalid) {
					t.Fatalf("want the picture refused, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			img, format, err := image.Decode(bytes.NewReader(out))
			if err != nil || format != "png" {
				t.Fatalf("kept %s: %v", format, err)
			}
			if b := img.Bounds(); b.Dx() != tc.side || b.Dy() != tc.side {
				t.Errorf("kept %v, want %d×%d", b, tc.side, tc.side)
			}
			red := func(x int) bool {
				r, _, b, _ := img.At(x, tc.side/2).RGBA()
				return r > b
			}
			if red(1) != tc.leftRed || red(tc.side-2) != tc.rightRed {
				t.Errorf("left red %v, right red %v", red(1), red(tc.side-2))
			}
		})
	}
}
