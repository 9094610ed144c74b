// crdcheck strictly decodes custom resources into the Go API types their operators are built
// from (Prometheus Operator, MetalLB, Flux's source, kustomize and helm controllers,
// CloudNativePG and cert-manager), so an unknown (misspelt) field or a wrong type is an error
// rather than silently
// dropped by the API server. It reads a JSON array of objects on stdin and prints a JSON array
// with one result per object: {"status":"ok"} | {"status":"error","message":...} |
// {"status":"unsupported"}.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	certmanagerv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cnpgv1 "github.com/cloudnative-pg/cloudnative-pg/api/v1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metallbv1beta1 "go.universe.tf/metallb/api/v1beta1"
	kjson "sigs.k8s.io/json"
)

type result struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// kinds maps "apiVersion/kind" to a constructor of its Go type.
var kinds = map[string]func() any{
	metallbv1beta1.GroupVersion.String() + "/IPAddressPool":   func() any { return &metallbv1beta1.IPAddressPool{} },
	metallbv1beta1.GroupVersion.String() + "/L2Advertisement": func() any { return &metallbv1beta1.L2Advertisement{} },

	monitoringv1.SchemeGroupVersion.String() + "/" + monitoringv1.ServiceMonitorsKind: func() any { return &monitoringv1.ServiceMonitor{} },
	monitoringv1.SchemeGroupVersion.String() + "/" + monitoringv1.PrometheusRuleKind:  func() any { return &monitoringv1.PrometheusRule{} },
	monitoringv1.SchemeGroupVersion.String() + "/" + monitoringv1.PodMonitorsKind:     func() any { return &monitoringv1.PodMonitor{} },

	sourcev1.GroupVersion.String() + "/" + sourcev1.GitRepositoryKind:  func() any { return &sourcev1.GitRepository{} },
	sourcev1.GroupVersion.String() + "/" + sourcev1.HelmRepositoryKind: func() any { return &sourcev1.HelmRepository{} },
	sourcev1.GroupVersion.String() + "/" + sourcev1.HelmChartKind:      func() any { return &sourcev1.HelmChart{} },
	sourcev1.GroupVersion.String() + "/" + sourcev1.OCIRepositoryKind:  func() any { return &sourcev1.OCIRepository{} },
	sourcev1.GroupVersion.String() + "/" + sourcev1.BucketKind:         func() any { return &sourcev1.Bucket{} },

	kustomizev1.GroupVersion.String() + "/" + kustomizev1.KustomizationKind: func() any { return &kustomizev1.Kustomization{} },

	helmv2.GroupVersion.String() + "/" + helmv2.HelmReleaseKind: func() any { return &helmv2.HelmRelease{} },

	cnpgv1.SchemeGroupVersion.String() + "/" + cnpgv1.ClusterKind: func() any { return &cnpgv1.Cluster{} },
	cnpgv1.SchemeGroupVersion.String() + "/ScheduledBackup":       func() any { return &cnpgv1.ScheduledBackup{} },
	cnpgv1.SchemeGroupVersion.String() + "/" + cnpgv1.BackupKind:  func() any { return &cnpgv1.Backup{} },
	cnpgv1.SchemeGroupVersion.String() + "/" + cnpgv1.PoolerKind:  func() any { return &cnpgv1.Pooler{} },

	certmanagerv1.SchemeGroupVersion.String() + "/" + certmanagerv1.CertificateKind:   func() any { return &certmanagerv1.Certificate{} },
	certmanagerv1.SchemeGroupVersion.String() + "/" + certmanagerv1.IssuerKind:        func() any { return &certmanagerv1.Issuer{} },
	certmanagerv1.SchemeGroupVersion.String() + "/" + certmanagerv1.ClusterIssuerKind: func() any { return &certmanagerv1.ClusterIssuer{} },
}

// target returns a fresh value of the Go type for the object's apiVersion and kind.
func target(apiVersion, kind string) any {
	if newObject, ok := kinds[apiVersion+"/"+kind]; ok {
		return newObject()
	}
	return nil
}

func check(raw json.RawMessage) result {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return result{Status: "error", Message: err.Error()}
	}
	into := target(meta.APIVersion, meta.Kind)
	if into == nil {
		return result{Status: "unsupported"}
	}
	// The API server's own decoder: case-sensitive field names, unknown and duplicate fields
	// reported (plain encoding/json would accept "Interval" for "interval").
	strict, err := kjson.UnmarshalStrict(raw, into)
	if err != nil {
		return result{Status: "error", Message: err.Error()}
	}
	if len(strict) > 0 {
		return result{Status: "error", Message: errors.Join(strict...).Error()}
	}
	return result{Status: "ok"}
}

func main() {
	var objects []json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&objects); err != nil {
		fmt.Fprintln(os.Stderr, "crdcheck: stdin must be a JSON array of objects:", err)
		os.Exit(2)
	}
	results := make([]result, 0, len(objects))
	for _, raw := range objects {
		results = append(results, check(raw))
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "crdcheck:", err)
		os.Exit(1)
	}
}
