package engine

import "time"

// matchLarge forms matches for large rule sets.
func (e *Engine) matchLarge(c *config, now time.Time) { e.matchSmall(c, now) }
