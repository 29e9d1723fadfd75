// Package ent holds the generated data layer; ent/schema is its source.
package ent

//go:generate go run entc.go
//go:generate go run ../internal/tools/entpatch gql_collection.go
