package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"time"

	"portico/internal/ticket"
)

// attachment is a file a message carries. Its contents are made when the
// message is written, so that log lines can be dated just before it.
type attachment struct {
	name string
	make func(at time.Time) ([]byte, error)
}

// attach stores files and describes them for a message.
func (s *seeder) attach(ctx context.Context, files []attachment) ([]ticket.Attachment, error) {
	out := make([]ticket.Attachment, 0, len(files))
	for _, f := range files {
		b, err := f.make(s.now)
		if err != nil {
			return nil, fmt.Errorf("make %s: %w", f.name, err)
		}
		stored, err := s.files.Put(ctx, f.name, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		out = append(out, ticket.Attachment{Key: stored.Key, Filename: stored.Filename,
			ContentType: stored.ContentType, Size: stored.Size, SHA256: stored.SHA256})
	}
	return out, nil
}

// logFile is a log excerpt whose lines are spread over the minutes before
// the message. Each line starts with its level.
func logFile(name string, lines ...string) attachment {
	return attachment{name: name, make: func(at time.Time) ([]byte, error) {
		var b strings.Builder
		for i, l := range lines {
			t := at.Add(-time.Duration(len(lines)-i) * 97 * time.Second).UTC()
			level, msg, _ := strings.Cut(l, " ")
			fmt.Fprintf(&b, "%s %-5s %s\n", t.Format("2006-01-02T15:04:05.000Z"), level, msg)
		}
		return []byte(b.String()), nil
	}}
}

// csvFile is a spreadsheet export with a byte-order mark, as spreadsheet
// programs write them so that accented and Chinese text opens correctly.
func csvFile(name string, sep rune, rows ...[]string) attachment {
	return attachment{name: name, make: func(time.Time) ([]byte, error) {
		return encodeCSV(sep, rows)
	}}
}

func encodeCSV(sep rune, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.Comma = sep
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stockCSV is the stock-level import that fails on line 118, where a
// worktop sold by the metre has a decimal comma in the quantity column.
func stockCSV(name string) attachment {
	return attachment{name: name, make: func(time.Time) ([]byte, error) {
		items := []string{"Krzesło dębowe", "Stół rozkładany", "Komoda 3-szufladowa", "Regał modułowy", "Szafka RTV", "Łóżko sosnowe 160", "Taboret barowy", "Półka ścienna"}
		finishes := []string{"naturalny", "biały", "orzech", "grafit", "dąb bielony"}
		rows := [][]string{{"SKU", "Nazwa", "Wykończenie", "Ilość", "Magazyn"}}
		for i := 1; len(rows) < 130; i++ {
			sku := fmt.Sprintf("MK-%04d", 1000+i*7)
			qty := fmt.Sprint((i * 37) % 53)
			name := items[i%len(items)]
			finish := finishes[(i/len(items))%len(finishes)]
			// The header is line 1, so this is line 118.
			if len(rows) == 117 {
				name, finish, qty = "Blat kuchenny (mb)", "dąb olejowany", "12,5"
			}
			rows = append(rows, []string{sku, name, finish, qty, "Poznań"})
		}
		return encodeCSV(';', rows)
	}}
}

// screenshot is a small picture of an application window with an error
// banner: enough to look like what customers attach.
func screenshot(name string, banner color.RGBA) attachment {
	return attachment{name: name, make: func(time.Time) ([]byte, error) {
		const w, h = 480, 300
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		fill := func(r image.Rectangle, c color.Color) {
			draw.Draw(img, r, &image.Uniform{C: c}, image.Point{}, draw.Src)
		}
		fill(img.Bounds(), color.RGBA{0xf8, 0xfa, 0xfc, 0xff})
		fill(image.Rect(0, 0, w, 36), color.RGBA{0x0f, 0x76, 0x6e, 0xff})
		fill(image.Rect(0, 36, 110, h), color.RGBA{0xe2, 0xe8, 0xf0, 0xff})
		for i := range 6 {
			fill(image.Rect(14, 56+i*28, 96, 64+i*28), color.RGBA{0x94, 0xa3, 0xb8, 0xff})
		}
		fill(image.Rect(130, 56, w-20, 104), banner)
		fill(image.Rect(146, 72, 330, 80), color.RGBA{0xff, 0xff, 0xff, 0xff})
		fill(image.Rect(146, 86, 260, 92), color.RGBA{0xff, 0xff, 0xff, 0xc0})
		for i := range 6 {
			width := 300 - (i*53)%120
			fill(image.Rect(130, 124+i*24, 130+width, 132+i*24), color.RGBA{0xcb, 0xd5, 0xe1, 0xff})
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}}
}

// Banner colours of screenshots.
var (
	errorRed  = color.RGBA{0xdc, 0x26, 0x26, 0xff}
	warnAmber = color.RGBA{0xd9, 0x77, 0x06, 0xff}
	infoBlue  = color.RGBA{0x25, 0x63, 0xeb, 0xff}
)
