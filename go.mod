module github.com/matchforge/matchforge

go 1.25

require github.com/expr-lang/expr v1.17.8

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/tidwall/btree v1.8.2 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
