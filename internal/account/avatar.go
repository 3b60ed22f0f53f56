package account

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // decodes GIF uploads
	_ "image/jpeg"
	"image/png"
	"io"

	"portico/internal/apperr"
)

// Avatar rules (SPEC P4): what a customer may upload, and what is kept.
const (
	// MaxAvatarBytes is the largest upload.
	MaxAvatarBytes = 2 << 20
	// MaxAvatarPixels bounds the decoded size of an upload, so a small
	// file that unpacks into a huge picture is refused before decoding.
	MaxAvatarPixels = 4096 * 4096
	// AvatarSide is the side of the square picture that is kept.
	AvatarSide = 256
)

var errAvatar = apperr.InvalidField("avatar", "must be a PNG, JPEG or GIF picture of at most 2 MB")

// EncodeAvatar checks an uploaded picture and re-encodes it: cropped to a
// centred square, scaled down to AvatarSide, written as a PNG. Nothing of
// the upload but its pixels survives (no metadata, no second payload).
func EncodeAvatar(r io.Reader) ([]byte, error) {
	buf, err := io.ReadAll(io.LimitReader(r, MaxAvatarBytes+1))
	if err != nil {
		return nil, err
	}
	if len(buf) > MaxAvatarBytes || len(buf) == 0 {
		return nil, errAvatar
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(buf))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxAvatarPixels {
		return nil, errAvatar
	}
	if format != "png" && format != "jpeg" && format != "gif" {
		return nil, errAvatar
	}
	img, _, err := image.Decode(bytes.NewReader(buf))
	if err != nil {
		return nil, errAvatar
	}
	var out bytes.Buffer
	if err := png.Encode(&out, square(img, AvatarSide)); err != nil {
		return nil, errors.Join(errAvatar, err)
	}
	return out.Bytes(), nil
}

// square crops img to its centred square and scales it to side×side (or
// keeps a smaller square's size), averaging the source pixels each target
// pixel covers.
func square(img image.Image, side int) *image.NRGBA {
	b := img.Bounds()
	n := min(b.Dx(), b.Dy())
	x0, y0 := b.Min.X+(b.Dx()-n)/2, b.Min.Y+(b.Dy()-n)/2
	side = min(side, n)
	out := image.NewNRGBA(image.Rect(0, 0, side, side))
	for ty := range side {
		sy0, sy1 := y0+ty*n/side, y0+(ty+1)*n/side
		for tx := range side {
			sx0, sx1 := x0+tx*n/side, x0+(tx+1)*n/side
			var r, g, bl, a, count uint64
			for sy := sy0; sy < max(sy1, sy0+1); sy++ {
				for sx := sx0; sx < max(sx1, sx0+1); sx++ {
					c := color.NRGBAModel.Convert(img.At(sx, sy)).(color.NRGBA)
					r, g, bl, a = r+uint64(c.R), g+uint64(c.G), bl+uint64(c.B), a+uint64(c.A)
					count++
				}
			}
			out.SetNRGBA(tx, ty, color.NRGBA{R: uint8(r / count), G: uint8(g / count), B: uint8(bl / count), A: uint8(a / count)})
		}
	}
	return out
}

// SetAvatar keeps key (a stored file, or "" for none) as the account's
// picture and returns the key it replaces, for the caller to delete.
func (s *Service) SetAvatar(ctx context.Context, id int64, key string) (old string, err error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return "", err
	}
	if err := s.store.SetAccountAvatar(ctx, id, key); err != nil {
		return "", err
	}
	return a.AvatarKey, nil
}
