package sso

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"portico/internal/apperr"
	"portico/internal/portal"
)

// Limits on what the assertion consumer reads.
const (
	// MaxSAMLResponse is the largest SAMLResponse form value, base64 and
	// all; real ones are a few to a few dozen kilobytes.
	MaxSAMLResponse = 1 << 20
	// maxSAMLXML is the largest response document once decoded (and
	// inflated, for a provider that deflates it), so that a small
	// compressed bomb cannot grow without bound.
	maxSAMLXML = 1 << 20
	// maxMetadata is the largest identity provider metadata fetched.
	maxMetadata = 1 << 20
	// assertionMemory is how long an assertion's id is remembered: far
	// longer than the library lets an assertion live.
	assertionMemory = time.Hour
)

const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
)

// serviceProvider is portal p's SAML service provider. It has no key of
// its own: it does not sign its requests, and it asks for assertions that
// are signed, not encrypted.
func (s *Service) serviceProvider(ctx context.Context, p *portal.Settings) (*saml.ServiceProvider, error) {
	m := p.SSO.SAML
	if m == nil {
		return nil, ErrNotConfigured
	}
	idp, err := s.idpMetadata(ctx, m)
	if err != nil {
		return nil, err
	}
	meta, err := url.Parse(s.portalURL(p, "sso/saml/metadata"))
	if err != nil {
		return nil, err
	}
	acs, err := url.Parse(s.portalURL(p, "sso/saml/acs"))
	if err != nil {
		return nil, err
	}
	return &saml.ServiceProvider{
		EntityID:          meta.String(),
		MetadataURL:       *meta,
		AcsURL:            *acs,
		IDPMetadata:       idp,
		AllowIDPInitiated: true, // InResponseTo is checked here, against stored requests
		AuthnNameIDFormat: saml.PersistentNameIDFormat,
		HTTPClient:        s.client,
	}, nil
}

// idpMetadata parses the identity provider's metadata, given or fetched.
func (s *Service) idpMetadata(ctx context.Context, m *portal.SAML) (*saml.EntityDescriptor, error) {
	doc := []byte(m.IdPMetadataXML)
	if len(doc) == 0 {
		v, err := s.cachedValue("saml "+m.IdPMetadataURL, func() (any, error) { return s.fetch(ctx, m.IdPMetadataURL, maxMetadata) })
		if err != nil {
			return nil, err
		}
		doc = v.([]byte)
	}
	md, err := samlsp.ParseMetadata(doc)
	if err != nil {
		return nil, fmt.Errorf("sso: identity provider metadata: %w", err)
	}
	if len(md.IDPSSODescriptors) == 0 {
		return nil, errors.New("sso: identity provider metadata has no IDPSSODescriptor")
	}
	return md, nil
}

// SAMLMetadata is portal p's service provider metadata, for the identity
// provider's admin.
func (s *Service) SAMLMetadata(ctx context.Context, p *portal.Settings) ([]byte, error) {
	sp, err := s.serviceProvider(ctx, p)
	if err != nil {
		return nil, err
	}
	md := sp.Metadata()
	for i := range md.SPSSODescriptors {
		// Only the POST binding is served.
		md.SPSSODescriptors[i].AssertionConsumerServices = md.SPSSODescriptors[i].AssertionConsumerServices[:1]
	}
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// SAMLLogin starts a sign-in at portal p's identity provider and returns
// the address to send the browser to. The request's id is stored, with
// next, until the answer comes back (or RequestLifetime passes).
func (s *Service) SAMLLogin(ctx context.Context, p *portal.Settings, next string) (string, error) {
	sp, err := s.serviceProvider(ctx, p)
	if err != nil {
		return "", err
	}
	dest := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if dest == "" {
		return "", errors.New("sso: the identity provider offers no HTTP-Redirect sign-in")
	}
	req, err := sp.MakeAuthenticationRequest(dest, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", err
	}
	if err := s.startRequest(ctx, &Request{PortalID: p.ID, Provider: ProviderSAML, Next: next}, req.ID); err != nil {
		return "", err
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// SAMLResponse checks a response posted to portal p's assertion consumer
// and returns who it proves, and where the sign-in was to lead (for a
// sign-in started here; the caller checks an IdP-initiated one's
// RelayState). Refused are: anything but one signed assertion (or one
// assertion in a signed response) from the portal's provider, by its
// certificate; comments, processing instructions and document types
// anywhere; a wrong audience, recipient or destination; an assertion out
// of its time window; an answer to a request this portal did not make or
// that was answered already; and an assertion seen before.
func (s *Service) SAMLResponse(ctx context.Context, p *portal.Settings, encoded string) (Claims, string, error) {
	sp, err := s.serviceProvider(ctx, p)
	if err != nil {
		return Claims{}, "", err
	}
	doc, err := decodeSAMLResponse(encoded)
	if err != nil {
		return Claims{}, "", refuse("response not decodable", err)
	}
	shape, err := inspectResponse(doc)
	if err != nil {
		return Claims{}, "", refuse("response refused before its signature", err)
	}
	a, err := parseResponse(sp, doc)
	if err != nil {
		return Claims{}, "", refuse("response refused", err)
	}
	if err := checkAssertion(sp, a); err != nil {
		return Claims{}, "", refuse("assertion refused", err)
	}
	inResponseTo := ""
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.SubjectConfirmationData != nil && sc.SubjectConfirmationData.InResponseTo != "" {
			inResponseTo = sc.SubjectConfirmationData.InResponseTo
		}
	}
	if shape.inResponseTo != "" && shape.inResponseTo != inResponseTo {
		return Claims{}, "", refuse("response and assertion answer different requests", nil)
	}
	next := ""
	if inResponseTo != "" {
		req, err := s.store.TakeSSORequest(ctx, p.ID, ProviderSAML, hashKey(inResponseTo))
		if apperr.Is(err, apperr.NotFound) {
			return Claims{}, "", refuse("answer to an unknown, expired or answered request", nil)
		} else if err != nil {
			return Claims{}, "", err
		}
		next = req.Next
	}
	if err := s.store.UseToken(ctx, "saml", tokenID(sp.IDPMetadata.EntityID, a.ID), s.store.Now().Add(assertionMemory)); apperr.Is(err, apperr.Conflict) {
		return Claims{}, "", refuse("assertion seen before", nil)
	} else if err != nil {
		return Claims{}, "", err
	}
	c := samlClaims(p.SSO.SAML, a)
	c.Issuer = sp.IDPMetadata.EntityID
	if c.Subject == "" {
		return Claims{}, "", refuse("assertion names no subject", nil)
	}
	return c, next, nil
}

// decodeSAMLResponse decodes the base64 form value; a provider that
// deflates it too is inflated, to maxSAMLXML at most.
func decodeSAMLResponse(encoded string) ([]byte, error) {
	if len(encoded) > MaxSAMLResponse {
		return nil, errors.New("too long")
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, encoded)
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
		return b, nil
	}
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), maxSAMLXML+1))
	if err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	if len(out) > maxSAMLXML {
		return nil, fmt.Errorf("inflates to more than %d bytes", maxSAMLXML)
	}
	return out, nil
}

// responseShape is what inspectResponse learned of a document.
type responseShape struct {
	inResponseTo string
}

// inspectResponse reads the whole document once, before any signature is
// looked at, and refuses what a genuine response never has and signature
// wrapping needs: a root that is not a Response, more or fewer than one
// assertion anywhere, encrypted assertions (none are asked for), comments
// (which canonicalisation drops, so text split by one reads differently
// from what was signed: "a@corp.test<!---->.evil"), processing
// instructions and document type declarations.
func inspectResponse(doc []byte) (responseShape, error) {
	var shape responseShape
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	// seen counts the children of interest of the open elements.
	type open struct{ subject, conditions, data int }
	var opens []open
	assertions := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return shape, err
		}
		switch t := tok.(type) {
		case xml.Comment:
			return shape, errors.New("comment in the response")
		case xml.Directive:
			return shape, errors.New("document type or other directive in the response")
		case xml.ProcInst:
			if t.Target != "xml" || len(stack) > 0 {
				return shape, errors.New("processing instruction in the response")
			}
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 {
				if name != "Response" {
					return shape, fmt.Errorf("root is %s, not a Response", name)
				}
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "InResponseTo" {
						shape.inResponseTo = a.Value
					}
				}
			}
			if len(stack) > 0 {
				parent := &opens[len(opens)-1]
				switch {
				case name == "Subject" && stack[len(stack)-1] == "Assertion":
					parent.subject++
				case name == "Conditions" && stack[len(stack)-1] == "Assertion":
					parent.conditions++
				case name == "SubjectConfirmationData" && stack[len(stack)-1] == "SubjectConfirmation":
					parent.data++
				}
			}
			switch name {
			case "Assertion":
				assertions++
				if len(stack) != 1 {
					return shape, errors.New("assertion not directly in the response")
				}
			case "EncryptedAssertion":
				return shape, errors.New("encrypted assertion, none was asked for")
			}
			stack = append(stack, name)
			opens = append(opens, open{})
		case xml.EndElement:
			if len(stack) == 0 {
				return shape, errors.New("unbalanced document")
			}
			name, o := stack[len(stack)-1], opens[len(opens)-1]
			switch {
			case name == "Assertion" && (o.subject != 1 || o.conditions != 1):
				return shape, errors.New("assertion without exactly one Subject and one Conditions")
			case name == "SubjectConfirmation" && o.data != 1:
				return shape, errors.New("subject confirmation without its data")
			}
			stack, opens = stack[:len(stack)-1], opens[:len(opens)-1]
		}
	}
	if assertions != 1 {
		return shape, fmt.Errorf("%d assertions, want exactly one", assertions)
	}
	return shape, nil
}

// parseResponse has the library check the signatures and conditions; a
// panic on a document it did not expect is a refusal too.
func parseResponse(sp *saml.ServiceProvider, doc []byte) (a *saml.Assertion, err error) {
	defer func() {
		if r := recover(); r != nil {
			a, err = nil, fmt.Errorf("library failed on the document: %v", r)
		}
	}()
	a, err = sp.ParseXMLResponse(doc, nil, sp.AcsURL)
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) {
		err = ire.PrivateErr
	}
	return a, err
}

// checkAssertion requires what the library lets pass when it is missing:
// an audience restriction naming this service provider, time conditions,
// and a bearer confirmation for this assertion consumer.
func checkAssertion(sp *saml.ServiceProvider, a *saml.Assertion) error {
	if a.Subject == nil || a.Subject.NameID == nil {
		return errors.New("no subject")
	}
	if a.Conditions == nil || a.Conditions.NotOnOrAfter.IsZero() {
		return errors.New("no time conditions")
	}
	audience := false
	for _, r := range a.Conditions.AudienceRestrictions {
		audience = audience || r.Audience.Value == sp.EntityID
	}
	if !audience {
		return errors.New("no audience restriction naming this service provider")
	}
	bearer := false
	for _, sc := range a.Subject.SubjectConfirmations {
		d := sc.SubjectConfirmationData
		if sc.Method == "urn:oasis:names:tc:SAML:2.0:cm:bearer" && d != nil && d.Recipient == sp.AcsURL.String() && !d.NotOnOrAfter.IsZero() {
			bearer = true
		}
	}
	if !bearer {
		return errors.New("no bearer confirmation for this assertion consumer")
	}
	return nil
}

// Attribute names that carry a person's details, by what they carry;
// compared without case against an attribute's name and friendly name.
var (
	emailAttributes = []string{"email", "mail", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}
	nameAttributes = []string{"displayname", "name", "cn", "commonname", "urn:oid:2.5.4.3", "urn:oid:2.16.840.1.113730.3.1.241",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"}
	givenAttributes   = []string{"givenname", "firstname", "urn:oid:2.5.4.42"}
	surnameAttributes = []string{"sn", "surname", "lastname", "urn:oid:2.5.4.4"}
	phoneAttributes   = []string{"phone", "telephonenumber", "mobile", "urn:oid:2.5.4.20"}
	companyAttributes = []string{"company", "o", "organization", "organizationname", "urn:oid:2.5.4.10"}
)

// samlClaims reads who an assertion names: the NameID, or the attribute
// the portal chose, as the subject, and the person's details from the
// usual attributes.
func samlClaims(m *portal.SAML, a *saml.Assertion) Claims {
	c := Claims{Provider: ProviderSAML, Subject: strings.TrimSpace(a.Subject.NameID.Value)}
	if m.NameIDClaim != "" {
		c.Subject = attribute(a, m.NameIDClaim)
	}
	c.Email = attribute(a, emailAttributes...)
	if c.Email == "" && (a.Subject.NameID.Format == string(saml.EmailAddressNameIDFormat) || strings.Contains(c.Subject, "@")) {
		c.Email = strings.TrimSpace(a.Subject.NameID.Value)
	}
	c.Name = attribute(a, nameAttributes...)
	if c.Name == "" {
		c.Name = strings.TrimSpace(attribute(a, givenAttributes...) + " " + attribute(a, surnameAttributes...))
	}
	c.Phone = attribute(a, phoneAttributes...)
	c.Company = attribute(a, companyAttributes...)
	return c
}

// attribute is the first value of the first attribute with one of names.
func attribute(a *saml.Assertion, names ...string) string {
	for _, name := range names {
		for _, st := range a.AttributeStatements {
			for _, at := range st.Attributes {
				if (strings.EqualFold(at.Name, name) || strings.EqualFold(at.FriendlyName, name)) && len(at.Values) > 0 {
					if v := strings.TrimSpace(at.Values[0].Value); v != "" {
						return v
					}
				}
			}
		}
	}
	return ""
}

// newGet is a GET request for u, refusing other schemes than http(s).
func newGet(ctx context.Context, u string) (*http.Request, error) {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, fmt.Errorf("sso: %q is not an http(s) URL", u)
	}
	return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
}
