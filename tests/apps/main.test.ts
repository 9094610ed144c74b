import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useTempDir } from '../support/temp-dir';

const root = resolve(__dirname, '..', '..');
const tsNode = join(root, 'node_modules', '.bin', 'ts-node');

function synth(
  args: string[],
  outdir: string,
  patch?: Record<string, unknown>,
): ReturnType<typeof spawnSync> {
  // What `npm run synth` runs (the bundled launcher), unless a patch must swap profile fields
  // in the real process (tests/support/profile-patch.ts), which needs the sources under ts-node.
  const command = patch
    ? [
        tsNode,
        '--transpile-only',
        '-r',
        join(root, 'tests/support/profile-patch.ts'),
        join(root, 'infra/apps/main.ts'),
      ]
    : [process.execPath, join(root, 'scripts/synth/run.js')];
  return spawnSync(command[0] ?? '', [...command.slice(1), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK8S_OUTDIR: outdir,
      SYNTH_PROFILE_PATCH: JSON.stringify(patch ?? {}),
    },
  });
}

/** Every file under `dir` with its contents and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) visit(path);
      else out[path] = `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`;
    }
  };
  visit(dir);
  return out;
}

describe('npm run synth (infra/apps/main.ts)', () => {
  const temp = useTempDir('main');

  it('synthesizes the environments named, into $CDK8S_OUTDIR', () => {
    const run = synth(['staging', 'prod'], temp());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^staging: 16 objects \(/m);
    expect(run.stdout).toMatch(/^prod: 16 objects \(/m);
    expect(readdirSync(temp()).sort()).toEqual(['helm', 'prod', 'staging']);
  });

  it('refuses an unknown environment and writes nothing', () => {
    const run = synth(['qa'], temp());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'synth: unknown environment "qa"; allowed: dev, staging, prod, --image-repository=<registry>/<path>, --image-tag=<tag> and --image-digest=sha256:<hex>\n',
    );
    expect(readdirSync(temp())).toEqual([]);
    expect(existsSync(join(temp(), 'qa'))).toBe(false);
  });

  it('stamps --image-tag into every environment, validated like a profile value', () => {
    const sha = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    expect(synth(['prod', `--image-tag=${sha}`], temp()).status).toBe(0);
    const prod = readFileSync(join(temp(), 'prod', 'spring-api.k8s.yaml'), 'utf8');
    expect(prod).toContain(`image: ghcr.io/k8s-platform/spring-api:${sha}`);
    expect(prod).toContain(`app.kubernetes.io/version: ${sha}`);
    const bad = synth(['prod', '--image-tag=latest'], temp());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('prod.springApi.image.tag = "latest" is invalid');
  });

  it('stamps --image-repository into every environment, validated like a profile value', () => {
    const sha = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    const run = synth(
      ['staging', 'prod', '--image-repository=ghcr.io/a-fork/spring-api', `--image-tag=${sha}`],
      temp(),
    );
    expect(run.status).toBe(0);
    for (const env of ['staging', 'prod']) {
      const yaml = readFileSync(join(temp(), env, 'spring-api.k8s.yaml'), 'utf8');
      expect(yaml).toContain(`image: ghcr.io/a-fork/spring-api:${sha}`);
      expect(yaml).not.toContain('ghcr.io/k8s-platform/');
    }
    const bad = synth(['prod', '--image-repository=ghcr.io/A-Fork/spring-api:1'], temp());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      'prod.springApi.image.repository = "ghcr.io/A-Fork/spring-api:1" is invalid: must be a lowercase registry/repository path without a tag, e.g. "ghcr.io/acme/spring-api"',
    );
  });

  it('stamps --image-digest into every environment, so the image is pulled by digest', () => {
    const sha = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    const digest = `sha256:${'ab12'.repeat(16)}`;
    const run = synth(
      ['staging', 'prod', `--image-tag=${sha}`, `--image-digest=${digest}`],
      temp(),
    );
    expect(run.status).toBe(0);
    for (const env of ['staging', 'prod']) {
      const yaml = readFileSync(join(temp(), env, 'spring-api.k8s.yaml'), 'utf8');
      expect(yaml).toContain(`image: ghcr.io/k8s-platform/spring-api:${sha}@${digest}`);
    }
    const bad = synth(['prod', '--image-digest=sha256:abc'], temp());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      'prod.springApi.image.digest = "sha256:abc" is invalid: must be a digest of the form "sha256:<64 hex digits>"',
    );
  });

  describe('exits 1 and leaves the output untouched', () => {
    const prepared = (): Record<string, string> => {
      expect(synth(['staging', 'prod'], temp()).status).toBe(0);
      writeFileSync(join(temp(), 'keep.txt'), 'untouched');
      return snapshot(temp());
    };

    it('for a profile whose output breaks a policy (a secret-looking variable)', () => {
      const before = prepared();
      const run = synth(['staging', 'prod'], temp(), {
        prod: { environment: { API_TOKEN: 'x' } },
      });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'synth: output policy violated, nothing was written:\n' +
          'prod: secret-values: ConfigMap/spring-api/spring-api-config: ConfigMap key "API_TOKEN" looks secret\n',
      );
      expect(snapshot(temp())).toEqual(before);
    });

    it('for SERVER_PORT in a profile (it would beat the managed server.port)', () => {
      const before = prepared();
      const run = synth(['staging', 'prod'], temp(), {
        staging: { environment: { SERVER_PORT: '9090' } },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        'synth: invalid configuration, nothing was written:\n' +
          'staging.springApi.environment["SERVER_PORT"] = "9090" is invalid: must be left unset: Spring binds it to "server.port", which the construct sets itself\n',
      );
      expect(snapshot(temp())).toEqual(before);
    });

    it('for APP_APIKEY as a plain value, a database URL off the egress, an IP Ingress host', () => {
      const before = prepared();
      const run = synth(['staging', 'prod'], temp(), {
        staging: { environment: { APP_APIKEY: 'k3y' } },
        prod: {
          ingress: { host: '203.0.113.7', tlsSecretName: 'api-tls' },
          database: {
            url: 'jdbc:postgresql://10.30.2.11:5432/articles',
            username: 'spring_api',
            cidr: '10.30.2.10/32',
          },
        },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        [
          'synth: invalid configuration, nothing was written:',
          'staging.springApi.environment["APP_APIKEY"] = "<redacted>" is invalid: must be left unset: Spring binds it to the secret property "app.api-key", whose value only secretDelivery provides',
          'prod.springApi.ingress.host = "203.0.113.7" is invalid: must be a DNS name, not an IP address (the API server refuses an IP address as an Ingress host)',
          'prod.springApi.database.url = "jdbc:postgresql://10.30.2.11:5432/articles" is invalid: must be a URL whose host is an IPv4 address inside database.cidr (10.30.2.10/32), the only range egress is open to',
          '',
        ].join('\n'),
      );
      expect(snapshot(temp())).toEqual(before);
    });
  });
});
