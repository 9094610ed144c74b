// The container runtime on every node: containerd and runc at exact versions from their GitHub
// releases, each checked against its pinned sha256, with a config written whole for containerd
// 2.x (config version 3). Writing it whole matters: in 2.x the sandbox image moved from
// `sandbox_image` to `pinned_images.sandbox` and the CRI plugin split into
// `io.containerd.cri.v1.images` and `io.containerd.cri.v1.runtime`, so sed edits of the printed
// default written for 1.x silently change nothing. Checked with containerd 2.0.11 built from its
// module: `containerd --config <this> config dump` shows SystemdCgroup = true on runc, the
// pinned pause image, and the runc runtime's other fields at their defaults.
import { CONTAINER_RUNTIME } from '../../config/nodes';
import { FETCH_ATTEMPTS } from './script-prelude';

const RELEASES = {
  containerd: (v: string) =>
    `https://github.com/containerd/containerd/releases/download/v${v}/containerd-static-${v}-linux-amd64.tar.gz`,
  runc: (v: string) => `https://github.com/opencontainers/runc/releases/download/v${v}/runc.amd64`,
};

/** apt preferences that keep the distributions' runtime packages from ever being installed. */
export const RUNTIME_APT_PIN = `Package: containerd containerd.io runc
Pin: release *
Pin-Priority: -1`;

/** containerd's configuration (version 3, containerd 2.x): only what differs from its defaults. */
export function containerdConfig(pauseImage: string = CONTAINER_RUNTIME.pauseImage): string {
  return `version = 3

# The sandbox (pause) image kubeadm expects; kept from image garbage collection.
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = '${pauseImage}'

# runc with the systemd cgroup driver, matching the kubelet's cgroupDriver.
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
`;
}

/** The systemd unit for the release binaries under /usr/local. */
const CONTAINERD_UNIT = `[Unit]
Description=containerd container runtime (k8s-platform, from the GitHub release)
After=network.target local-fs.target
[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd
Type=notify
# containerd manages the cgroups of its shims; stopping it must not kill running containers.
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
OOMScoreAdjust=-999
[Install]
WantedBy=multi-user.target`;

/** The node-script step that installs containerd and runc (expects the prelude's helpers). */
export function containerdInstall(): string {
  const { containerd, runc } = CONTAINER_RUNTIME;
  return `step containerd
# containerd ${containerd.version} and runc ${runc.version}, exactly; the distribution's containerd, containerd.io
# and runc packages may never be installed over them (the apt equivalent of a hold).
arch="$(dpkg --print-architecture)"
if [[ "$arch" != amd64 ]]; then
  echo "k8s-platform-bootstrap: containerd is pinned for amd64 only; this node is $arch" >&2
  exit 1
fi
cat >/etc/apt/preferences.d/k8s-platform-container-runtime <<'EOF'
${RUNTIME_APT_PIN}
EOF
download="$(mktemp -d)"
retry ${FETCH_ATTEMPTS} curl -fsSL -o "$download/containerd.tar.gz" \\
  '${RELEASES.containerd(containerd.version)}'
echo "${containerd.sha256}  $download/containerd.tar.gz" | sha256sum --check --strict
tar -xzf "$download/containerd.tar.gz" -C /usr/local bin
retry ${FETCH_ATTEMPTS} curl -fsSL -o "$download/runc" '${RELEASES.runc(runc.version)}'
echo "${runc.sha256}  $download/runc" | sha256sum --check --strict
install -m 0755 "$download/runc" /usr/local/sbin/runc
rm -rf "$download"
mkdir -p /etc/containerd
cat >/etc/containerd/config.toml <<'EOF'
${containerdConfig().trim()}
EOF
cat >/etc/systemd/system/containerd.service <<'EOF'
${CONTAINERD_UNIT}
EOF
systemctl daemon-reload
systemctl enable containerd
systemctl restart containerd
/usr/local/bin/containerd --version
`;
}
