// Package pool holds the waiting tickets of one matchmaking configuration,
// indexed in B-trees (github.com/tidwall/btree) that every insert and removal
// keeps current: by age, by number keys (range and nearest-neighbour scans),
// by string keys (equal-value buckets), by latency per location (the
// tickets acceptable under a bound are a prefix), and by group (caller-chosen
// ids such as location and latency band, each ordered by a number).
//
// Stage is Insert for tickets that will probably leave soon: until the
// second Settle after it, the age and group indexes hold a staged entry in
// sorted slices instead of trees, so that a ticket matched within a step or
// two never costs a tree insert and delete. Queries see staged and inserted
// entries alike. Options.NoStaging turns staging off (Stage is then Insert)
// without changing any query's answer, so that a test can run the same
// operations both ways and check that staging changes no outcome.
//
// Beside the trees, a few sorted arrays answer the scans of small sets
// faster than tree iterators, made again only when an entry entered the
// pool since: every entry by group key for NearestAll, and each group of at
// most 4,096 entries (its tree and staged entries merged) for NearestIn.
// The trees stay the index; the arrays give the same answers.
//
//	p := pool.New[*myTicket](pool.Options{Numbers: 1, Latency: true})
//	p.Insert(&pool.Entry[*myTicket]{ID: "t1", Start: now, Nums: []float64{skill}, Lat: lat, Item: t})
//	p.Nearest(0, skill, 50, func(e *pool.Entry[*myTicket], d float64) bool { ...; return true })
//
// The pool knows nothing of rule sets: the engine decides which keys an
// entry carries. Each operation documents its cost. A Pool is not safe for
// concurrent use.
//
// Options.NoStaging makes new entries go straight into the trees; every
// query then answers exactly as with staging, which only changes what a
// step costs (the engine's tests check that matching outcomes agree).
package pool
