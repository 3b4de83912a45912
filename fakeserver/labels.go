package fakeserver

// Label returns the label (A3, R1) of a token string this server issued since the
// last Reset and still remembers (Options.MaxTokens, MaxFamilies), or "" if unknown.
func (s *Server) Label(token string) string {
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	if rec, ok := s.tok.accessBySecret[token]; ok {
		return rec.label
	}
	if rec, ok := s.tok.refresh[token]; ok && !rec.fam.forgotten {
		return rec.label
	}
	return ""
}

// Secrets returns every issued token string the server still remembers with its
// label (those of forgotten families too), and under oauth2 the client secret
// labelled "client_secret", so reports can replace secrets by labels before anything is
// written out. With the default bounds a scenario never comes
// near forgetting a token.
func (s *Server) Secrets() map[string]string {
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	out := make(map[string]string, len(s.tok.accessBySecret)+len(s.tok.refresh))
	for secret, rec := range s.tok.accessBySecret {
		out[secret] = rec.label
	}
	for secret, rec := range s.tok.refresh {
		out[secret] = rec.label
	}
	if s.opts.Profile == ProfileOAuth2 {
		out[s.opts.OAuthClientSecret] = "client_secret"
	}
	return out
}
