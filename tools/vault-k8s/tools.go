//go:build tools

// Package tools pins the Vault agent injector that `npm run e2e` runs: vault-k8s, whose webhook
// adds the agent init container to pods with vault.hashicorp.com annotations.
package tools

import (
	_ "github.com/hashicorp/vault-k8s"
)
