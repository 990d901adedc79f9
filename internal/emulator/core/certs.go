package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// keyMaterial is what the emulator must keep across restarts so that clients
// keep trusting it (the CA) and tokens it issued keep verifying (the signing key).
type keyMaterial struct {
	CACertPEM     string `json:"caCert"`
	CAKeyPEM      string `json:"caKey"`
	SigningKeyPEM string `json:"signingKey"`
}

func newKeyMaterial() (keyMaterial, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyMaterial{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "patctl emulator CA", Organization: []string{"patctl"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return keyMaterial{}, err
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return keyMaterial{}, err
	}
	// RS256 is what Entra ID signs its tokens with.
	signKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return keyMaterial{}, err
	}
	return keyMaterial{
		CACertPEM:     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		CAKeyPEM:      string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER})),
		SigningKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(signKey)})),
	}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

// loaded is keyMaterial parsed for use.
type loadedKeys struct {
	ca         *x509.Certificate
	caKey      *ecdsa.PrivateKey
	signingKey *rsa.PrivateKey
	keyID      string
}

func (k keyMaterial) load() (loadedKeys, error) {
	var out loadedKeys
	block, _ := pem.Decode([]byte(k.CACertPEM))
	if block == nil {
		return out, errors.New("CA certificate: no PEM block")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return out, fmt.Errorf("CA certificate: %w", err)
	}
	block, _ = pem.Decode([]byte(k.CAKeyPEM))
	if block == nil {
		return out, errors.New("CA key: no PEM block")
	}
	caKey, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return out, fmt.Errorf("CA key: %w", err)
	}
	block, _ = pem.Decode([]byte(k.SigningKeyPEM))
	if block == nil {
		return out, errors.New("signing key: no PEM block")
	}
	signKey, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return out, fmt.Errorf("signing key: %w", err)
	}
	return loadedKeys{ca: ca, caKey: caKey, signingKey: signKey, keyID: keyIDOf(&signKey.PublicKey)}, nil
}

// serverCertificate issues a leaf certificate for the loopback names, signed by the CA.
func (k loadedKeys) serverCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, k.ca, &key.PublicKey, k.caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// keyIDOf names the signing key in token headers and the JWKS.
func keyIDOf(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(pub.N.Bytes())
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}
