package access

import "time"

// SetClock replaces the clock that ages a RolePolicy's cache.
func (p *RolePolicy) SetClock(now func() time.Time) { p.now = now }
