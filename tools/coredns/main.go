// CoreDNS v1.12.4 (pinned in go.mod) for the e2e node, built with only the plugins its Corefile
// names (scripts/e2e/addons.ts): a full build compiles every plugin CoreDNS ships, cloud SDKs
// included, about twice the packages. The plugins register themselves when imported; Directives
// sets their order, which is CoreDNS's own order (plugin.cfg) restricted to these five.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{"ready", "health", "errors", "cache", "kubernetes"}
}

func main() {
	coremain.Run()
}
