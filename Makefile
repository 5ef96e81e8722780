# srvmon: make build | run | test | bench | lint | tidy
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/srvmon/srvmon/commands.Version=$(VERSION)
BIN     := dist/srvmon

.PHONY: build run test bench lint tidy

# A static binary: with cgo, net's resolver makes srvmon dynamically
# linked, which costs every record run about a millisecond of CPU.
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

# Record three sample sets one second apart into the default store
# (~/.local/share/srvmon, or /var/lib/srvmon for root) and show what was
# recorded: CPU and network rates computed from the raw counters.
run: build
	./$(BIN) record --count 3 --interval 1s
	./$(BIN) query cpu --last 5m
	./$(BIN) query net --last 5m

# The race detector slows the process-spawning crash tests and the
# fault-injection test (272 damaged stores) tenfold, so they run in -short
# mode under -race and in full without it.
test:
	go test -race -short -timeout 20m ./...
	go test -count=1 -timeout 15m -run 'Kill|BytesPerPoint|Flat|E2E|DamageFault' ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...

# staticcheck runs from the module proxy at a pinned version (go run caches it).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

tidy:
	go mod tidy
