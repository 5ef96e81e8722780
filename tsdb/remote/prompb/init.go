package prompb

import "sync"

var initOnce sync.Once

// Init builds the messages' descriptors and registers them with the
// protobuf runtime. protoc-gen-go does that in package init functions;
// the generate step removes them (see doc.go), because every srvmon process
// linked this package and the one-shot record that runs every minute paid
// about 0.8 ms of CPU for it. (srvmon now writes requests with
// tsdb/remote/wire.go; only tests link this package.) Call Init before creating, marshalling or
// unmarshalling any message of this package; it is cheap after the first
// call and safe for concurrent use.
func Init() {
	initOnce.Do(func() {
		file_types_proto_init()
		file_remote_proto_init()
	})
}
