package sampler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/srvmon/srvmon/tsdb/param"
)

// Select turns a list of collector items into collector names, sorted and
// without repeats. Items are names, "all", "default" and "-name" (leave name
// out); when the first item leaves one out, the list starts from the
// defaults; no items mean the defaults. An unknown name, or a list that
// leaves no collector, is a *param.Error naming "collectors".
func Select(items []string) ([]string, error) {
	if len(items) == 0 {
		return Default(), nil
	}
	valid := Names()
	var set []string
	if strings.HasPrefix(items[0], "-") {
		set = slices.Clone(Default())
	}
	for _, it := range items {
		name, remove := strings.CutPrefix(it, "-")
		switch {
		case name == "all" && !remove:
			set = append(set, valid...)
			continue
		case name == "default" && !remove:
			set = append(set, Default()...)
			continue
		case !slices.Contains(valid, name):
			return nil, &param.Error{Param: "collectors", Reason: fmt.Sprintf(
				"unknown collector %q in {param}; valid: all, default, %s (prefix one with - to leave it out)", name, strings.Join(valid, ", "))}
		}
		if remove {
			set = slices.DeleteFunc(set, func(s string) bool { return s == name })
		} else {
			set = append(set, name)
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if len(set) == 0 {
		return nil, &param.Error{Param: "collectors", Reason: fmt.Sprintf("{param} %s leaves no collector; name at least one of %s",
			strings.Join(items, ","), strings.Join(valid, ", "))}
	}
	return set, nil
}
