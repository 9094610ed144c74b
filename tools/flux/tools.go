//go:build tools

// Package tools pins the Flux CLI (github.com/fluxcd/flux2/v2, whose own go.mod has a replace
// directive, so it cannot be `go install`ed directly). scripts/install-tools.sh builds it.
package tools

import _ "github.com/fluxcd/flux2/v2/cmd/flux"
