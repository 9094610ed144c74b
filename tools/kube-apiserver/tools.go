//go:build tools

// Package tools pins the commands `npm run verify` builds from k8s.io/kubernetes: kube-apiserver
// (a real API server on loopback) and kubeadm (validates the gcp nodes' kubeadm configuration).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubeadm"
)
