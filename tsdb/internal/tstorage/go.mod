module github.com/nakabonne/tstorage

go 1.20
