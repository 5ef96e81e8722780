// Command linkonly links every package srvmon links and does nothing: what
// starting the binary costs before any command runs (package inits, the
// runtime's work that grows with the binary: itabs, the function table).
// BenchmarkRecordOneShot runs it beside srvmon record.
package main

import _ "github.com/srvmon/srvmon/commands"

func main() {}
