// Storage on gcp. kubeadm on Compute Engine has no cloud provider, hence no StorageClass; Vault's
// raft data and Prometheus need volumes that follow their pod to another worker. The Compute
// Engine Persistent Disk CSI driver provides them: a zonal persistent disk detaches from one
// node and attaches to the next when a pod is rescheduled. (minikube brings its own default
// StorageClass, the hostpath provisioner, which suits a one-node cluster.)
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GcpNetworking } from '../cluster/cluster';
import { pdCsiIam } from './storage/pd-csi-iam';

/** The gcp target's default StorageClass. */
export const GCP_STORAGE_CLASS = 'pd-balanced';
export const PD_CSI_NAMESPACE = 'gce-pd-csi-driver';

export function gcpStorage(
  parent: pulumi.Resource,
  provider: k8s.Provider,
  opts: pulumi.CustomResourceOptions,
  networking: GcpNetworking,
): pulumi.Resource[] {
  // What the driver may do in Google Cloud, granted to the workers' service account.
  const iam = pdCsiIam(
    networking.clusterName,
    {
      project: networking.project,
      workerServiceAccountEmail: networking.workerServiceAccountEmail,
      gcpProvider: networking.gcpProvider,
      dependsOn: networking.apis ? [networking.apis.resourceManager, networking.apis.iam] : [],
    },
    parent,
  );
  const namespace = new k8s.core.v1.Namespace(
    PD_CSI_NAMESPACE,
    {
      metadata: {
        name: PD_CSI_NAMESPACE,
        // The node plugin mounts disks on the host: privileged.
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    },
    { ...opts, parent, provider },
  );
  const driver = new k8s.kustomize.v2.Directory(
    'gce-pd-csi-driver',
    { directory: 'infra/platform/storage/gce-pd' },
    { ...opts, parent, provider, dependsOn: [namespace, ...iam.resources] },
  );
  const storageClass = new k8s.storage.v1.StorageClass(
    GCP_STORAGE_CLASS,
    {
      metadata: {
        name: GCP_STORAGE_CLASS,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'pd.csi.storage.gke.io',
      parameters: { type: 'pd-balanced' },
      // Create the disk in the zone of the node the pod lands on.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      // Deleting a claim (or the stack) must not delete Vault's or Prometheus's data.
      reclaimPolicy: 'Retain',
    },
    { ...opts, parent, provider, dependsOn: [driver] },
  );
  return [driver, storageClass];
}
