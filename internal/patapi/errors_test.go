package patapi

import (
	"strings"
	"testing"
)

func TestErrorsEscapeTheServiceText(t *testing.T) {
	for _, err := range []error{
		&TokenError{Code: "odd\x1b[2J", Message: "no\x1b]0;pwned\a"},
		&APIError{Status: 400, Message: "Value cannot be null.\r\nParameter name: x\x1b]0;pwned\a\u009b2J"},
		&SignInError{Status: 401, Message: "go away\x1b[2J"},
	} {
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\a\r\n\u009b") || !strings.Contains(msg, `\x1b`) {
			t.Errorf("%T: %q", err, msg)
		}
	}
}
