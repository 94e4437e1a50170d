// Package ticket holds the request-side data of matchmaking: players, their
// attribute values, tickets and their statuses, in the JSON shapes of the
// GameLift API, and the checks of every API limit that concerns them.
//
// # Shapes
//
// Player, AttributeValue (the S | N | SL | SDM union) and Ticket encode to and
// from the exact JSON of the GameLift MatchmakingTicket, Player and
// AttributeValue structures. Ticket timestamps travel as epoch seconds with a
// millisecond fraction.
//
// # Validation
//
// ValidatePlayers and ValidateTicketID check the API limits (players per
// ticket, attributes per player, string, list and map sizes, id patterns,
// latency values) and return a *ValidationError that lists every problem
// with its field path, for example
//
//	Players[3].PlayerAttributes.skill.S: is 120 characters long; the limit is 100
//
// # The matching representation
//
// A rule set declares attributes; NewSchema turns those declarations into
// typed slots, and Schema.Resolve turns a ticket's players into a Resolved
// value that the matching loop reads by index, without maps or allocation:
//
//	schema, _ := ticket.NewSchema([]ticket.Attr{{Name: "skill", Kind: ticket.KindNumber}})
//	r, _ := schema.Resolve(players, locations)
//	skill := r.Num(0, 0) // player 0, number slot 0
//
// Resolved also carries each party's aggregates (min, max and average of
// every number attribute, union and intersection of every list attribute,
// latency per location that every member reports), computed once when the
// ticket arrives.
//
// Nothing in this package is safe for concurrent mutation; Schema and
// Resolved are immutable once built and may be shared.
package ticket
