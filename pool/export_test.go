package pool

// SetGroupViewMax sets the largest pool whose NearestIn reads group views
// (-1: never), and returns a function that restores it.
func SetGroupViewMax(n int) (restore func()) {
	old := groupViewMax
	groupViewMax = n
	return func() { groupViewMax = old }
}
