package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// servePage serves a page of kind.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, kind *pageKind) {
	req, err := s.parsePageRequest(r.URL.Query(), kind)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	d, _, err := s.build(r.Context(), req)
	if errors.Is(err, errNotFound) {
		s.errorPage(w, r, http.StatusNotFound, errors.New(strings.TrimPrefix(err.Error(), errNotFound.Error()+": ")))
		return
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("page: %w", err))
		return
	}
	var buf bytes.Buffer
	if err := pageTemplate().Execute(&buf, d); err != nil {
		s.serverError(w, r, fmt.Errorf("page: %w", err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.send(w, r, "text/html; charset=utf-8", http.StatusOK, buf.Bytes())
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, overviewPage)
}
func (s *Server) handleDisk(w http.ResponseWriter, r *http.Request) { s.servePage(w, r, diskPage) }
func (s *Server) handleNet(w http.ResponseWriter, r *http.Request)  { s.servePage(w, r, netPage) }
func (s *Server) handleFS(w http.ResponseWriter, r *http.Request)   { s.servePage(w, r, fsPage) }

// errorPage answers code with a small page that says what was wrong and
// links back to the overview.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, err error) {
	d := pageData{
		Title: fmt.Sprintf("srvmon · %d %s", code, http.StatusText(code)), HomeHref: "/", Path: r.URL.Path,
		AssetVersion: assetVersion(), Version: s.o.Version, Error: err.Error(), Period: http.StatusText(code),
	}
	for _, p := range presets {
		d.Ranges = append(d.Ranges, link{Label: p, Href: pageHref("/", "range", p)})
	}
	var buf bytes.Buffer
	if terr := pageTemplate().Execute(&buf, d); terr != nil {
		s.serverError(w, r, terr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.send(w, r, "text/html; charset=utf-8", code, buf.Bytes())
}

// handleCharts serves /api/v1/charts: the charts of a page again, for the
// page's live updates. page= names the page (overview, disk, net, fs);
// the other parameters are the page's.
func (s *Server) handleCharts(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	name := v.Get("page")
	if name == "" {
		name = "overview"
	}
	kind, ok := pageKinds[name]
	if !ok || len(v["page"]) > 1 {
		s.badRequest(w, r, fmt.Errorf("unknown page %q; the pages are overview, disk, net and fs", name))
		return
	}
	v.Del("page")
	req, err := s.parsePageRequest(v, kind)
	if err != nil {
		s.badRequest(w, r, err)
		return
	}
	d, hover, err := s.build(r.Context(), req)
	if errors.Is(err, errNotFound) {
		s.sendJSON(w, r, http.StatusNotFound, apiError{Error: strings.TrimPrefix(err.Error(), errNotFound.Error()+": ")})
		return
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("charts: %w", err))
		return
	}
	var main bytes.Buffer
	if err := pageTemplate().ExecuteTemplate(&main, "sections", d); err != nil {
		s.serverError(w, r, fmt.Errorf("charts: %w", err))
		return
	}
	s.sendJSON(w, r, http.StatusOK, chartsReply{Period: d.Period, Newest: d.Newest, Main: main.String(), Hover: hover})
}
