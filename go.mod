module github.com/matchforge/matchforge

go 1.25

require github.com/expr-lang/expr v1.17.8
