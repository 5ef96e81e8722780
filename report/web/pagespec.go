package web

import (
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Size of the charts, in pixels. Queries ask for at most chartWidth points
// per series, so that a long range is downsampled on the server to about
// one point per pixel column.
const (
	chartWidth  = 480
	chartHeight = 220
)

// queryTimeout bounds the work of one request on the store.
const queryTimeout = 30 * time.Second

// sectionSpec is a part of a page: one query of a view and its charts.
type sectionSpec struct {
	id, title string
	view      string
	charts    []report.ChartSpec
	links     string // the page each device of the result links to ("" none)
	// fold is the device label by which devices down or idle all range are
	// folded away (drawn in charts shown on a click), "" for none; noun
	// names such a device.
	fold, noun string
}

// pageKind is one kind of page: the overview or the page of one device.
type pageKind struct {
	name     string // also the path: "/" + name, "/" for the overview
	param    string // the query parameter naming the device ("" for the overview)
	label    string // the device label of the view
	noun     string // "disk", "network interface", "filesystem"
	view     string
	sections []sectionSpec
}

// c is one quantity in a chart of a device page.
func c(name, as string) report.ChartCol { return report.ChartCol{Name: name, As: as} }

// overviewPage draws for each view the charts the html report draws.
var overviewPage = &pageKind{name: "overview", sections: []sectionSpec{
	{id: "cpu", title: "CPU", view: "cpu", charts: report.ViewCharts(&query.Result{View: "cpu"})},
	{id: "load", title: "Load", view: "load", charts: report.ViewCharts(&query.Result{View: "load"})},
	{id: "mem", title: "Memory", view: "mem", charts: report.ViewCharts(&query.Result{View: "mem"})},
	{id: "disk", title: "Disks", view: "disk", links: "disk", fold: "device", noun: "disk", charts: report.ViewCharts(&query.Result{View: "disk"})},
	{id: "net", title: "Network", view: "net", links: "net", fold: "device", noun: "interface", charts: report.ViewCharts(&query.Result{View: "net"})},
	{id: "fs", title: "Filesystems", view: "fs", links: "fs", charts: report.ViewCharts(&query.Result{View: "fs"})},
	{id: "pressure", title: "Pressure stalls", view: "pressure", charts: report.ViewCharts(&query.Result{View: "pressure"})},
	{id: "tcp", title: "TCP", view: "tcp", charts: report.ViewCharts(&query.Result{View: "tcp"})},
	{id: "sock", title: "Sockets", view: "sock", charts: report.ViewCharts(&query.Result{View: "sock"})},
}}

var diskPage = &pageKind{name: "disk", param: "device", label: "device", noun: "disk", view: "disk", sections: []sectionSpec{
	{id: "disk", title: "Disk", view: "disk", charts: []report.ChartSpec{
		{ID: "bytes", Title: "Throughput", Cols: []report.ChartCol{c("rbytes/s", "read"), c("wbytes/s", "write")}},
		{ID: "ops", Title: "Operations", Cols: []report.ChartCol{c("r/s", "reads"), c("w/s", "writes")}},
		{ID: "util", Title: "Utilization", Cols: []report.ChartCol{c("util", "util")}},
		{ID: "await", Title: "Average wait", Cols: []report.ChartCol{c("await", "await")}},
		{ID: "queue", Title: "Average queue size", Cols: []report.ChartCol{c("aqu-sz", "aqu-sz")}}}},
}}

var netPage = &pageKind{name: "net", param: "device", label: "device", noun: "network interface", view: "net", sections: []sectionSpec{
	{id: "net", title: "Interface", view: "net", charts: []report.ChartSpec{
		{ID: "bytes", Title: "Throughput", Cols: []report.ChartCol{c("rxbytes/s", "in"), c("txbytes/s", "out")}},
		{ID: "packets", Title: "Packets", Cols: []report.ChartCol{c("rxpck/s", "in"), c("txpck/s", "out")}},
		{ID: "errors", Title: "Errors", Cols: []report.ChartCol{c("rxerr/s", "in"), c("txerr/s", "out")}},
		{ID: "drops", Title: "Drops", Cols: []report.ChartCol{c("rxdrop/s", "in"), c("txdrop/s", "out")}}}},
}}

var fsPage = &pageKind{name: "fs", param: "mount", label: "mountpoint", noun: "filesystem", view: "fs", sections: []sectionSpec{
	{id: "fs", title: "Filesystem", view: "fs", charts: []report.ChartSpec{
		{ID: "space", Title: "Space", Cols: []report.ChartCol{c("size", "size"), c("used", "used"), c("avail", "available")}},
		{ID: "used", Title: "Used", Cols: []report.ChartCol{c("%used", "space"), c("%iused", "inodes")}}}},
}}

var pageKinds = map[string]*pageKind{"overview": overviewPage, "disk": diskPage, "net": netPage, "fs": fsPage}

func (k *pageKind) path() string {
	if k == overviewPage {
		return "/"
	}
	return "/" + k.name
}

// viewParam is the API parameter that selects the device of a device page.
func (k *pageKind) viewParam() string {
	switch k {
	case diskPage:
		return "device"
	case netPage:
		return "interface"
	case fsPage:
		return "mount"
	}
	return ""
}
