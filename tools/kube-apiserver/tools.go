//go:build tools

// Package tools pins the commands built from k8s.io/kubernetes: kube-apiserver (a real API server
// on loopback) and kubeadm (validates the gcp nodes' kubeadm configuration) for `npm run verify`,
// and the rest of a node for `npm run e2e`: kubelet, kube-controller-manager, kube-scheduler and
// kube-proxy.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
