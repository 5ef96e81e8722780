package openmetrics

// ReadGroups is readGroups, for the tests of package openmetrics_test.
var ReadGroups = readGroups
