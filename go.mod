module github.com/srvmon/srvmon

go 1.26

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/golang/snappy v1.0.0
	github.com/guptarohit/asciigraph v0.10.0
	github.com/nakabonne/tstorage v0.3.6
	github.com/olekukonko/tablewriter v1.0.9
	github.com/prometheus/client_model v0.6.3
	github.com/prometheus/common v0.70.0
	github.com/shirou/gopsutil/v4 v4.26.8
	github.com/urfave/cli/v3 v3.14.0
	golang.org/x/crypto v0.45.0
	golang.org/x/sys v0.46.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/clipperhouse/uax29/v2 v2.6.0 // indirect
	github.com/ebitengine/purego v0.11.2 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-ole/go-ole v1.2.6 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.19 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/olekukonko/cat v0.0.0-20250911104152-50322a0618f6 // indirect
	github.com/olekukonko/errors v1.2.0 // indirect
	github.com/olekukonko/ll v0.1.6 // indirect
	github.com/power-devops/perfstat v0.0.0-20260805114148-88456608a4f6 // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/yusufpapurcu/wmi v1.2.4 // indirect
)

replace github.com/nakabonne/tstorage => ./tsdb/internal/tstorage
