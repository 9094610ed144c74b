// The e2e node's command lines, as pure functions of its folder: the flags kubeadm's static pod
// manifests give each control-plane component, cut to one node on a bridge. etcd serves plain
// HTTP on the namespace's own loopback; the API server listens on the bridge address only.
import { join } from 'node:path';
import { API_PORT, Layout, NODE_IP, NODE_NAME, SERVICE_SUBNET } from './config';

const pkiOf = (l: Layout) => (f: string) => join(l.pki, f);

export function etcdArgs(l: Layout): string[] {
  return [
    '--name=e2e',
    `--data-dir=${l.etcd}`,
    '--listen-client-urls=http://127.0.0.1:2379',
    '--advertise-client-urls=http://127.0.0.1:2379',
    '--listen-peer-urls=http://127.0.0.1:2380',
    // A throwaway cluster: durability against a machine crash is not what is tested.
    '--unsafe-no-fsync',
  ];
}

export function apiServerArgs(l: Layout): string[] {
  const pki = pkiOf(l);
  return [
    `--advertise-address=${NODE_IP}`,
    `--bind-address=${NODE_IP}`,
    `--secure-port=${API_PORT}`,
    '--etcd-servers=http://127.0.0.1:2379',
    `--client-ca-file=${pki('ca.crt')}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
    '--kubelet-preferred-address-types=InternalIP',
    // The aggregation layer (metrics-server's APIService).
    `--proxy-client-cert-file=${pki('front-proxy-client.crt')}`,
    `--proxy-client-key-file=${pki('front-proxy-client.key')}`,
    `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    '--enable-aggregator-routing=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_SUBNET}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=false',
  ];
}

export function controllerManagerArgs(l: Layout): string[] {
  const pki = pkiOf(l);
  const kubeconfig = join(l.kubeconfigs, 'controller-manager.conf');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--client-ca-file=${pki('ca.crt')}`,
    `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
    `--root-ca-file=${pki('ca.crt')}`,
    `--cluster-signing-cert-file=${pki('ca.crt')}`,
    `--cluster-signing-key-file=${pki('ca.key')}`,
    `--service-account-private-key-file=${pki('sa.key')}`,
    '--use-service-account-credentials=true',
    '--leader-elect=false',
    '--cluster-name=e2e',
  ];
}

export function schedulerArgs(l: Layout): string[] {
  const kubeconfig = join(l.kubeconfigs, 'scheduler.conf');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ];
}

export function kubeletArgs(l: Layout): string[] {
  return [
    `--config=${l.kubeletConfig}`,
    `--kubeconfig=${join(l.kubeconfigs, 'kubelet.conf')}`,
    `--root-dir=${l.kubeletRoot}`,
    `--cert-dir=${join(l.kubeletRoot, 'pki')}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
  ];
}
