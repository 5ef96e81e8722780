package tsdb

// SetImportHook makes Import call hook as it reaches each stage
// ("staging", "commit", "join" before each day, "compact"); nil removes it.
func SetImportHook(hook func(stage string)) { testHookImport = hook }
