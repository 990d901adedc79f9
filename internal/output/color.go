package output

import (
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

// Painter is what output needs of a colour scheme (iostreams.ColorScheme):
// each method returns the text unchanged when colour is off.
type Painter interface {
	Red(string) string
	Yellow(string) string
	Green(string) string
	Dim(string) string
	Bold(string) string
}

// Plain is a Painter that paints nothing.
type Plain struct{}

func (Plain) Red(s string) string    { return s }
func (Plain) Yellow(s string) string { return s }
func (Plain) Green(s string) string  { return s }
func (Plain) Dim(s string) string    { return s }
func (Plain) Bold(s string) string   { return s }

// Soon is how close an expiry is when it shows in yellow.
const Soon = 7 * 24 * time.Hour

// StatusPaint is how a status reads: active in green, expired and revoked
// in red (the token no longer works).
func StatusPaint(cs Painter, status string) func(string) string {
	switch status {
	case patapi.StatusActive:
		return cs.Green
	case patapi.StatusExpired, patapi.StatusRevoked:
		return cs.Red
	}
	return nil
}

// ExpiryPaint is how an expiry reads: red once past, yellow within Soon.
func ExpiryPaint(cs Painter, at, now time.Time) func(string) string {
	switch {
	case !at.After(now):
		return cs.Red
	case at.Before(now.Add(Soon)):
		return cs.Yellow
	}
	return nil
}
