package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web/live"
	"github.com/srvmon/srvmon/tsdb/param"
)

func TestSettingsCheck(t *testing.T) {
	t.Parallel()
	var s Settings
	if err := s.Check(); err != nil {
		t.Fatalf("zero settings: %v", err)
	}
	want := Settings{Listen: DefaultListen, Refresh: DefaultRefresh, Stale: DefaultStale, LiveWindow: live.DefaultWindow}
	if s != want {
		t.Errorf("defaults %+v, want %+v", s, want)
	}
	tests := []struct {
		s     Settings
		param string
	}{
		{Settings{Refresh: 500 * time.Millisecond}, "refresh"},
		{Settings{Stale: -time.Second}, "stale"},
		{Settings{LiveClients: -1}, "live-clients"},
		{Settings{LiveClients: MaxLiveClients + 1}, "live-clients"},
		{Settings{LiveWindow: 9 * time.Second}, "live-window"},
		{Settings{LiveWindow: 10500 * time.Millisecond}, "live-window"},
		{Settings{LiveWindow: time.Hour + time.Second}, "live-window"},
		{Settings{Listen: "8080"}, "listen"},
	}
	for _, tt := range tests {
		err := tt.s.Check()
		var pe *param.Error
		if !errors.As(err, &pe) || pe.Param != tt.param {
			t.Errorf("%+v: %v, want a param error on %s", tt.s, err, tt.param)
		}
	}
	ok := Settings{LiveClients: MaxLiveClients, LiveWindow: time.Hour}
	if err := ok.Check(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
}

// TestServe_Graceful checks that shutdown waits for a request in progress
// and that the request completes.
func TestServe_Graceful(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, log.New(io.Discard, "", 0)) }()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			body <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v with a request in progress", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if got := <-body; got != "finished" {
		t.Errorf("request in progress at shutdown got %q, want it finished", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestServe_SlowClientIsCut checks the read-header timeout: a client that
// sends half a request is disconnected instead of holding its connection.
func TestServe_SlowClientIsCut(t *testing.T) {
	t.Parallel() // waits 5 s for the read-header timeout
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, http.NotFoundHandler(), log.New(io.Discard, "", 0)) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(3 * readHeaderTimeout))
	_, err = bufio.NewReader(conn).ReadString('\n')
	took := time.Since(start)
	if err == nil && took > readHeaderTimeout+2*time.Second {
		t.Fatalf("connection held for %s", took)
	}
	if took < readHeaderTimeout-time.Second || took > readHeaderTimeout+3*time.Second {
		t.Fatalf("half a request was cut after %s (err %v), want about %s", took, err, readHeaderTimeout)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
