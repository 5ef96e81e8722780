// Package prompb holds the Prometheus remote-write 1.0 protobuf messages
// (prometheus.WriteRequest and the types it uses), generated with
// protoc-gen-go from remote.proto and types.proto: copies of the Prometheus
// project's prompb/*.proto (github.com/prometheus/prometheus v0.42.0, Apache
// License 2.0) with the gogoproto options removed. The generated code
// depends only on google.golang.org/protobuf. srvmon encodes its requests
// itself (tsdb/remote/wire.go): this package is the tests' reference, which
// decodes what push sent and checks wire.go byte for byte.
//
// To regenerate (needs protoc, Debian package protobuf-compiler, and
// protoc-gen-go: go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12):
//
//	go generate ./tsdb/remote/prompb
package prompb

//go:generate protoc --go_out=. --go_opt=paths=source_relative types.proto remote.proto
//go:generate sed -i -e "s|^func init() { file_\\(.*\\)_proto_init() }$|// init deferred to Init (init.go): file_\\1_proto_init|" types.pb.go remote.pb.go
