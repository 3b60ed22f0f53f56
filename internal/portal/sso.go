package portal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"portico/internal/apperr"
)

// JWT subject claims: what identifies a person signed in with a token.
const (
	SubjectSub   = "sub"
	SubjectEmail = "email"
)

// SSOAccess reports whether the portal's access mode lets a first sign-in
// through single sign-on open an account (SPEC I4): sso_all for everyone,
// sso_groups for the members of the portal's groups.
func (p *Settings) SSOAccess() bool {
	return p.AccessMode == AccessSSOAll || p.AccessMode == AccessSSOGroups
}

// Any reports whether at least one way of single sign-on is configured.
func (s SSO) Any() bool { return s.JWT != nil || s.SAML != nil || s.OIDC != nil }

// Subject is the claim that identifies a person signed in with a token.
func (j *JWT) Subject() string {
	if j.SubjectClaim == "" {
		return SubjectSub
	}
	return j.SubjectClaim
}

// PublicKeyOf parses the PEM public key of an RS256 or EdDSA setting: an
// *rsa.PublicKey or an ed25519.PublicKey matching the algorithm.
func (j *JWT) PublicKeyOf() (any, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(j.PublicKey)))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = c.PublicKey
		}
	default:
		return nil, errors.New("not a public key or certificate")
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if j.Algorithm != "RS256" {
			return nil, errors.New("an RSA key needs the RS256 algorithm")
		}
		if k.N.BitLen() < 2048 {
			return nil, errors.New("an RSA key must have at least 2048 bits")
		}
	case ed25519.PublicKey:
		if j.Algorithm != "EdDSA" {
			return nil, errors.New("an Ed25519 key needs the EdDSA algorithm")
		}
	default:
		return nil, errors.New("only RSA and Ed25519 keys are supported")
	}
	return key, nil
}

// checkSSOKeys checks what checkSSO leaves to it: the key, the subject
// claim and the links of a JWT setting, and that SAML metadata is an
// identity provider's.
func checkSSOKeys(v apperr.Validation, s *SSO) {
	if j := s.JWT; j != nil {
		if (j.Algorithm == "RS256" || j.Algorithm == "EdDSA") && j.PublicKey != "" {
			if _, err := j.PublicKeyOf(); err != nil {
				v.Add("sso.jwt.public_key", "must be a PEM public key for "+j.Algorithm+": "+err.Error())
			}
		}
		if j.Algorithm == "HS256" && (j.PublicKey != "" || j.JWKSURL != "") {
			v.Add("sso.jwt.algorithm", "HS256 takes a secret, not a public key")
		}
		if sub := j.Subject(); sub != SubjectSub && sub != SubjectEmail {
			v.Add("sso.jwt.subject_claim", "must be sub or email")
		}
		if j.LoginURL != "" && !SafeURL(j.LoginURL) {
			v.Add("sso.jwt.login_url", "must be an http(s) URL or a path starting with /")
		}
	}
	if m := s.SAML; m != nil && m.IdPMetadataXML != "" {
		if err := checkIdPMetadata(m.IdPMetadataXML); err != nil {
			v.Add("sso.saml.idp_metadata_xml", err.Error())
		}
	}
}

// checkIdPMetadata checks that doc is SAML metadata describing an identity
// provider; the signature checks happen when it is used.
func checkIdPMetadata(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	var root xml.StartElement
	found := false
	for !found {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return errors.New("is not SAML metadata")
			}
			return errors.New("is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("must not have a document type declaration")
		case xml.StartElement:
			root, found = t, true
		}
	}
	const md = "urn:oasis:names:tc:SAML:2.0:metadata"
	if root.Name.Space != md || (root.Name.Local != "EntityDescriptor" && root.Name.Local != "EntitiesDescriptor") {
		return errors.New("is not SAML metadata (an EntityDescriptor)")
	}
	if !bytes.Contains([]byte(doc), []byte("IDPSSODescriptor")) {
		return errors.New("does not describe an identity provider (no IDPSSODescriptor)")
	}
	return nil
}
