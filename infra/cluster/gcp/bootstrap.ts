// The nodes' startup scripts and kubeadm configuration, rendered from plain values so they can
// be snapshot-tested and shellchecked. No secret is rendered into them: the control plane reads
// the CA key, the bootstrap token and the encryption key from Secret Manager at boot with its
// own service account, and workers read only the token. What they do, in order:
//   every node (node-prep.ts): the prelude (script-prelude.ts: private log, progress and failure
//               reports in a guest attribute, retries, apt that waits for the dpkg lock), swap
//               off, kernel modules and sysctls, containerd and runc at exact versions
//               (containerd.ts), kubelet/kubeadm/kubectl at one exact version, held;
//   control plane (control-plane-script.ts): the Pulumi-made CA, encryption at rest, audit
//               policy, `kubeadm init` (kubeadm-config.ts), kube-proxy's requests, and the
//               bootstrap token's rotation (token-rotation.ts);
//   workers (worker-script.ts): wait for the API server, `kubeadm join` with the CA's known hash.
// This module is the entry point the cluster layer imports.
export { AUDIT_POLICY } from './audit-policy';
export { controlPlaneScript, kubeProxyPatch } from './control-plane-script';
export { kubeadmInitConfig, kubeadmJoinConfig } from './kubeadm-config';
export { secretNames } from './node-params';
export type { ControlPlaneParams, NodeParams, WorkerParams } from './node-params';
export { nodePrep } from './node-prep';
export type { ScriptOptions, ScriptStep } from './node-prep';
export { BOOTSTRAP_LOG, BOOTSTRAP_STATUS } from './script-prelude';
export { BOOTSTRAP_TOKEN } from './token-rotation';
export { workerScript } from './worker-script';
