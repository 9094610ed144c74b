// crdcheck strictly decodes custom resources into the Go API types their operators are built
// from, so an unknown (misspelt) field or a wrong type is an error rather than silently
// dropped by the API server. It reads a JSON array of objects on stdin and prints a JSON array
// with one result per object: {"status":"ok"} | {"status":"error","message":...} |
// {"status":"unsupported"}.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metallbv1beta1 "go.universe.tf/metallb/api/v1beta1"
	kjson "sigs.k8s.io/json"
)

type result struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// target returns a fresh value of the Go type for the object's apiVersion and kind.
func target(apiVersion, kind string) any {
	if apiVersion == metallbv1beta1.GroupVersion.String() {
		switch kind {
		case "IPAddressPool":
			return &metallbv1beta1.IPAddressPool{}
		case "L2Advertisement":
			return &metallbv1beta1.L2Advertisement{}
		}
		return nil
	}
	if apiVersion != monitoringv1.SchemeGroupVersion.String() {
		return nil
	}
	switch kind {
	case monitoringv1.ServiceMonitorsKind:
		return &monitoringv1.ServiceMonitor{}
	case monitoringv1.PrometheusRuleKind:
		return &monitoringv1.PrometheusRule{}
	case monitoringv1.PodMonitorsKind:
		return &monitoringv1.PodMonitor{}
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
