package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLimit checks that long requests wait for a free slot, and that one
// whose client leaves while it waits gets 503 without running.
func TestLimit(t *testing.T) {
	srv := New(nil, Options{})
	ran := 0
	h := srv.limit(func(w http.ResponseWriter, r *http.Request) { ran++ })
	for i := 0; i < cap(srv.heavy); i++ {
		srv.heavy <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable || ran != 0 {
		t.Fatalf("with every slot taken: %d, ran %d times", rec.Code, ran)
	}
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("ran without a free slot")
	case <-time.After(50 * time.Millisecond):
	}
	<-srv.heavy
	<-done
	if ran != 1 || len(srv.heavy) != cap(srv.heavy)-1 {
		t.Fatalf("after a slot freed: ran %d times, %d slots taken", ran, len(srv.heavy))
	}
}
