// Pods must not reach the Compute Engine metadata server: from it any pod could take the
// node's service-account token and act as the workers' account (disks, attachments).
//
// Why a node-level iptables rule, not a Calico policy:
// - A Calico GlobalNetworkPolicy that selects every pod isolates every pod: in Calico an endpoint
//   a policy selects is dropped at the end of the tier when no rule matched. A deny would need a
//   tier of its own ending in Pass, i.e. projectcalico.org/v3 objects, which need the Calico API
//   server (disabled here) or calicoctl. It would also exist only once Calico and the policy are
//   up, and anyone with rights on Calico's CRDs could remove it.
// - The rule below is in the kernel before the kubelet starts (a systemd unit ordered before it,
//   required by it: no rule, no kubelet), whatever the cluster's state.
//
// Where it sits, from Calico v3.31.3's felix (dataplane/linux/int_dataplane.go
// setUpIptablesNormal, rules/static.go): Felix hooks raw PREROUTING/OUTPUT, mangle PREROUTING/
// POSTROUTING, nat PREROUTING/POSTROUTING/OUTPUT and filter INPUT/FORWARD/OUTPUT, inserting its
// jumps first. Its filter FORWARD ACCEPTs every workload packet a policy allows, so a rule later
// in filter FORWARD would never be reached. mangle FORWARD is not touched by Felix nor by
// kube-proxy; an ACCEPT ends one table's chain only, so a DROP there is final whatever filter
// FORWARD says, and it sees the packet after DNAT (a Service pointed at the metadata address
// is caught too). This holds with either iptables backend (legacy and nft hooks both run) and
// with Felix's nftables mode (its own table). It does NOT hold with Calico's eBPF dataplane,
// which forwards workload traffic past iptables: switching to eBPF needs a Calico policy instead.
//
// Which packets: those entering from a workload interface (Calico names them cali*) for
// 169.254.169.254. Host-network pods (calico-node, kube-proxy, the PD CSI controller and node
// plugin) and the node itself do not come in on cali*, so they keep the metadata server. DNS
// stays open: 169.254.169.254:53 is the VPC's resolver, which CoreDNS forwards to.
// IPv4 only: the cluster's subnet has no IPv6, hence no fd20:ce::254 endpoint.

/** The metadata server's address on Compute Engine. */
export const METADATA_ADDRESS = '169.254.169.254';
/** The iptables chain (in the mangle table) holding the verdict. */
export const METADATA_CHAIN = 'K8SP-POD-METADATA';
/** Where the node keeps the rule script, and the systemd units that run it. */
export const METADATA_BLOCK_SCRIPT = '/usr/local/sbin/k8s-platform-metadata-block';
export const METADATA_BLOCK_UNIT = 'k8s-platform-metadata-block';

export interface MetadataBlockOptions {
  /** Prefix of the CNI's pod-side host interfaces. @default 'cali' (Calico) */
  readonly workloadInterfacePrefix?: string;
  /** How often a timer re-applies the rule (restores it if flushed or reordered). @default 60 */
  readonly recheckSeconds?: number;
}

const PREFIX = /^[a-z][a-z0-9]{0,13}$/;

function resolve(o: MetadataBlockOptions): Required<MetadataBlockOptions> {
  const workloadInterfacePrefix = o.workloadInterfacePrefix ?? 'cali';
  const recheckSeconds = o.recheckSeconds ?? 60;
  if (!PREFIX.test(workloadInterfacePrefix)) {
    throw new Error(
      `metadataBlock: workloadInterfacePrefix "${workloadInterfacePrefix}" is not allowed: ` +
        `1 to 14 characters, a lowercase letter then lowercase letters or digits (e.g. cali)`,
    );
  }
  if (!Number.isInteger(recheckSeconds) || recheckSeconds < 10 || recheckSeconds > 3600) {
    throw new Error(
      `metadataBlock: recheckSeconds ${recheckSeconds} is not allowed: a whole number from 10 to 3600`,
    );
  }
  return { workloadInterfacePrefix, recheckSeconds };
}

/**
 * The rule script: idempotent, run as root in the node's network namespace. It replaces the
 * chain's contents atomically, then makes the jump the first rule of mangle FORWARD, exactly once.
 */
export function metadataBlockRules(options: MetadataBlockOptions = {}): string {
  const { workloadInterfacePrefix: prefix } = resolve(options);
  // iptables -S prints a rule in this canonical order; the script compares against it.
  const jump = `-A FORWARD -d ${METADATA_ADDRESS}/32 -i ${prefix}+ -j ${METADATA_CHAIN}`;
  return `#!/usr/bin/env bash
# Pods may not reach the metadata server (rendered by infra/cluster/gcp/metadata-block.ts).
set -euo pipefail
ipt() { iptables -w 10 -t mangle "$@"; }
# DNS to the VPC resolver stays open; everything else from pods to ${METADATA_ADDRESS} drops.
iptables-restore -w 10 --noflush <<'EOF'
*mangle
:${METADATA_CHAIN} - [0:0]
-A ${METADATA_CHAIN} -p udp -m udp --dport 53 -j RETURN
-A ${METADATA_CHAIN} -p tcp -m tcp --dport 53 -j RETURN
-A ${METADATA_CHAIN} -j DROP
COMMIT
EOF
jump='${jump}'
if [[ "$(ipt -S FORWARD | sed -n 2p)" != "$jump" ]]; then
  ipt -I FORWARD 1 -d ${METADATA_ADDRESS}/32 -i '${prefix}+' -j ${METADATA_CHAIN}
fi
# Copies further down (from an earlier run, before something was inserted above) go.
while true; do
  extra="$(ipt -S FORWARD | tail -n +3 | grep -nxF -- "$jump" | tail -n 1 | cut -d: -f1 || true)"
  [[ -n "$extra" ]] || break
  ipt -D FORWARD "$((extra + 1))"
done
`;
}

/**
 * The startup-script fragment (bash, root, `set -euo pipefail`): installs iptables, the rule
 * script, a oneshot unit the kubelet requires and a timer that re-applies it; applies it now.
 * Append it after node preparation (apt lists fresh) and before `kubeadm init`/`join`.
 */
export function metadataBlockFragment(options: MetadataBlockOptions = {}): string {
  const { recheckSeconds } = resolve(options);
  const u = METADATA_BLOCK_UNIT;
  return `
# Pods may not reach the metadata server (infra/cluster/gcp/metadata-block.ts): an iptables
# rule applied before the kubelet starts on every boot, re-applied every ${recheckSeconds} s.
# (retry and apt_get come from the startup script's prelude.)
retry 7 apt_get install iptables
install -d -m 0755 /usr/local/sbin
cat >${METADATA_BLOCK_SCRIPT} <<'METADATA_BLOCK_EOF'
${metadataBlockRules(options).trim()}
METADATA_BLOCK_EOF
chmod 0755 ${METADATA_BLOCK_SCRIPT}
cat >/etc/systemd/system/${u}.service <<'EOF'
[Unit]
Description=Block pods from the metadata server
Before=kubelet.service
After=network-pre.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${METADATA_BLOCK_SCRIPT}
[Install]
WantedBy=multi-user.target
RequiredBy=kubelet.service
EOF
cat >/etc/systemd/system/${u}-recheck.service <<'EOF'
[Unit]
Description=Re-apply the pods' metadata server block
[Service]
Type=oneshot
ExecStart=${METADATA_BLOCK_SCRIPT}
EOF
cat >/etc/systemd/system/${u}-recheck.timer <<'EOF'
[Unit]
Description=Re-apply the pods' metadata server block every ${recheckSeconds} s
[Timer]
OnBootSec=${recheckSeconds}
OnUnitActiveSec=${recheckSeconds}
[Install]
WantedBy=timers.target
EOF
systemctl daemon-reload
systemctl enable --now ${u}.service ${u}-recheck.timer
`;
}
