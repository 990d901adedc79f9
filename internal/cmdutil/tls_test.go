package cmdutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCAFileVerifiesAsCryptoTLSWould: with PATCTL_CA_FILE, a server that CA
// vouches for is trusted for its own names only, and one it does not vouch
// for still has to chain to the system's roots.
func TestCAFileVerifiesAsCryptoTLSWould(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	serverCA := filepath.Join(dir, "server.pem")
	os.WriteFile(serverCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	c, err := NewHTTPClient(serverCA, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("the server the CA file vouches for: %v", err)
	}
	resp.Body.Close()
	// The certificate names 127.0.0.1 and example.com, not localhost.
	if _, err := c.Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)); err == nil || !strings.Contains(err.Error(), "localhost") {
		t.Fatalf("another name than the certificate's: %v", err)
	}

	other := filepath.Join(dir, "other.pem")
	os.WriteFile(other, selfSigned(t), 0o600)
	c, err = NewHTTPClient(other, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("a server neither the CA file nor the system vouches for: %v", err)
	}
}

func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "another CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
