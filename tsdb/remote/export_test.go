package remote

// The state file functions, for the tests of package remote_test.
var (
	StateName    = stateName
	LoadPosition = loadPosition
	SavePosition = savePosition
	LockPush     = lockPush
)

// The settings parsers, for the tests of package remote_test.
var (
	ParseLabels  = parseLabels
	ParseHeaders = parseHeaders
)
