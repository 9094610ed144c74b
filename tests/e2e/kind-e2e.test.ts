import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import { calls, executable, run } from '../support/shell-fakes';
import { useTempDir } from '../support/temp-dir';

// scripts/e2e/kind-e2e.sh with every outside program faked on PATH (kind, docker, kubectl, helm,
// go, curl, npm, npx): each records its arguments; nothing starts a container or leaves the machine.
const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'e2e', 'kind-e2e.sh');
const RECORD = 'echo "$(basename "$0") $*" >> "$FAKE_DIR/calls"';

describe('scripts/e2e/kind-e2e.sh', () => {
  const temp = useTempDir('kind-e2e');

  function fakes(scripts: Record<string, string> = {}): Record<string, string> {
    const bin = join(temp(), 'fakes');
    const body: Record<string, string> = {
      kind: RECORD,
      helm: RECORD,
      kubectl: `${RECORD}\n[[ "$*" == *"get pods -o name"* ]] && echo pod/a`,
      docker: `${RECORD}\necho '172.18.0.0/16 fc00:f853:ccd:e793::/64 '`,
      npm: RECORD,
      npx: `${RECORD}\n[[ "$*" == *" namespaces"* ]] && printf 'observability\\nspring-api\\n'\n[[ "$*" == *" kubernetes-version"* ]] && echo "$FAKE_K8S"\nexit 0`,
      ...scripts,
    };
    for (const [name, text] of Object.entries(body))
      executable(join(bin, name), `#!/usr/bin/env bash\n${text}\n`);
    return {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      FAKE_DIR: temp(),
      FAKE_K8S: KUBERNETES_VERSION,
      E2E_CLUSTER: 'e2e',
      E2E_STATE: join(temp(), 'state'),
    };
  }
  const recorded = () => calls(join(temp(), 'calls'));

  it('refuses an unknown command and a cluster name that is not a DNS label', () => {
    const usage = run(SCRIPT, fakes(), ['nope']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: kind-e2e.sh tools|up|image|load|platform');
    const bad = run(SCRIPT, { ...fakes(), E2E_CLUSTER: 'E2E_x' }, ['up']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('kind-e2e: E2E_CLUSTER="E2E_x" is not a DNS label (a-z, 0-9, -)\n');
  });

  it('creates the cluster from the committed config, with a kubeconfig of its own', () => {
    const env = fakes();
    expect(run(SCRIPT, env, ['up']).status).toBe(0);
    expect(recorded()).toEqual([
      `kind create cluster --name e2e --config .github/kind/cluster.yaml --kubeconfig ${env.E2E_STATE}/kubeconfig --wait 5m`,
    ]);
  });

  it("installs the platform with the kind network's subnets", () => {
    expect(run(SCRIPT, fakes(), ['platform']).status).toBe(0);
    expect(recorded()).toEqual([
      'docker network inspect kind --format {{range .IPAM.Config}}{{.Subnet}} {{end}}',
      'npx ts-node --transpile-only scripts/e2e/kind.ts install --context kind-e2e --subnets 172.18.0.0/16 fc00:f853:ccd:e793::/64',
    ]);
  });

  it('configures Vault with no app (dev), its init material in the state folder', () => {
    const env = fakes({ npm: `${RECORD}\necho "VAULT_APPS=$VAULT_APPS" >> "$FAKE_DIR/calls"` });
    expect(run(SCRIPT, env, ['vault']).status).toBe(0);
    expect(recorded()).toEqual([
      `npm run vault:configure -- --context kind-e2e --init-store file:${env.E2E_STATE}/vault-init.json`,
      'VAULT_APPS=[]',
    ]);
  });

  it('loads the image dist/dev runs, and refuses when it was not built', () => {
    const npx = `${RECORD}\necho ghcr.io/k8s-platform/spring-api:0.1.0`;
    expect(run(SCRIPT, fakes({ npx }), ['load']).status).toBe(0);
    expect(recorded().slice(-2)).toEqual([
      'docker image inspect ghcr.io/k8s-platform/spring-api:0.1.0',
      'kind load docker-image ghcr.io/k8s-platform/spring-api:0.1.0 --name e2e',
    ]);
    const missing = run(SCRIPT, fakes({ npx, docker: 'exit 1' }), ['load']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      'kind-e2e: image ghcr.io/k8s-platform/spring-api:0.1.0 is not built',
    );
  });

  describe('smoke', () => {
    const npm = `${RECORD}\nn=$(( $(cat "$FAKE_DIR/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$FAKE_DIR/n"\n(( n > FAKE_FAILS ))`;

    it('runs npm run smoke on the kind context until it passes', () => {
      const env: Record<string, string> = {
        ...fakes({ npm }),
        FAKE_FAILS: '2',
        E2E_SMOKE_INTERVAL: '0',
      };
      const r = run(SCRIPT, env, ['smoke']);
      expect(r.status).toBe(0);
      expect(recorded()).toEqual(
        Array(3).fill(
          `npm run smoke -- --kubeconfig ${env.E2E_STATE}/kubeconfig --context kind-e2e`,
        ),
      );
    });

    it('fails after its bounded attempts', () => {
      const env = {
        ...fakes({ npm }),
        FAKE_FAILS: '99',
        E2E_SMOKE_ATTEMPTS: '3',
        E2E_SMOKE_INTERVAL: '0',
      };
      const r = run(SCRIPT, env, ['smoke']);
      expect(r.status).toBe(1);
      expect(recorded()).toHaveLength(3);
      expect(r.stderr).toContain('kind-e2e: smoke still failing after 3 attempts');
    });
  });

  it('dumps events, descriptions and logs of every namespace, never a Secret, and succeeds', () => {
    const r = run(SCRIPT, fakes({ helm: 'exit 1' }), ['diagnostics']);
    expect(r.status).toBe(0);
    const kubectl = recorded().filter((c) => c.startsWith('kubectl '));
    for (const ns of ['observability', 'spring-api']) {
      for (const what of ['get events', 'describe pods', 'logs pod/a --all-containers'])
        expect(kubectl.some((c) => c.includes(`-n ${ns} ${what}`))).toBe(true);
    }
    expect(recorded().join('\n')).not.toMatch(/secret/i);
  });

  it('deletes the cluster and the state folder with its keys', () => {
    const env = fakes();
    mkdirSync(env.E2E_STATE ?? '', { recursive: true });
    writeFileSync(join(env.E2E_STATE ?? '', 'vault-init.json'), '{}');
    expect(run(SCRIPT, env, ['down']).status).toBe(0);
    expect(recorded()).toEqual([
      `kind delete cluster --name e2e --kubeconfig ${env.E2E_STATE}/kubeconfig`,
    ]);
    expect(existsSync(env.E2E_STATE ?? '')).toBe(false);
  });

  describe('tools', () => {
    const KUBECTL = 'a kubectl binary';
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const go = `${RECORD}\nname=$(basename "\${2%@*}"); [[ $name == helm || $name == kind ]] || name=kind\nprintf '#!/bin/sh\\n' > "$GOBIN/$name"; chmod +x "$GOBIN/$name"`;
    const curl = (digest: string) =>
      `${RECORD}\nout=''; while (($#)); do [[ $1 == -o ]] && { out=$2; shift; }; url=$1; shift; done\nif [[ $url == *.sha256 ]]; then echo ${digest}; else printf '%s' '${KUBECTL}' > "$out"; fi`;

    it('builds kind and helm at their pins, downloads kubectl checked by its SHA-256, once', () => {
      const env = fakes({ go, curl: curl(sha(KUBECTL)) });
      expect(run(SCRIPT, env, ['tools']).status).toBe(0);
      const url = `https://dl.k8s.io/release/v${KUBERNETES_VERSION}/bin/linux/amd64/kubectl`;
      const helmPin = readFileSync(
        resolve(__dirname, '..', '..', 'tools', 'helm.pin'),
        'utf8',
      ).trim();
      expect(recorded().filter((c) => !c.startsWith('npx '))).toEqual([
        'go install sigs.k8s.io/kind@v0.31.0',
        `go install ${helmPin}`,
        `curl -fsSL --retry 3 -o ${env.E2E_STATE}/bin/kubectl.download ${url}`,
        `curl -fsSL --retry 3 ${url}.sha256`,
      ]);
      expect(readFileSync(join(env.E2E_STATE ?? '', 'bin', 'kubectl'), 'utf8')).toBe(KUBECTL);
      // A second run finds everything at its pin.
      const before = recorded().length;
      expect(run(SCRIPT, env, ['tools']).status).toBe(0);
      expect(
        recorded()
          .slice(before)
          .filter((c) => !c.startsWith('npx ')),
      ).toEqual([]);
    });

    it('refuses a kubectl that does not match its published SHA-256', () => {
      const env = fakes({ go, curl: curl(sha('something else')) });
      const r = run(SCRIPT, env, ['tools']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `kind-e2e: kubectl v${KUBERNETES_VERSION} does not match its published SHA-256; not installed`,
      );
      expect(existsSync(join(env.E2E_STATE ?? '', 'bin', 'kubectl'))).toBe(false);
      expect(existsSync(join(env.E2E_STATE ?? '', 'bin', 'kubectl.download'))).toBe(false);
    });
  });
});
