// `npm run synth` (and `cdk8s synth`, through cdk8s.yaml): writes the API's manifests for every
// environment, or for those named on the command line, into dist/ (or $CDK8S_OUTDIR).
// `--image-tag=<tag>` stamps one image tag (CI: the commit's build) into every environment, and
// `--image-digest=sha256:<hex>` the digest the registry gave that build, so the published
// manifests pull exactly the image CI tested; `--image-repository=<registry>/<path>` the
// repository CI pushed it to (ghcr.io/<owner>/spring-api, derived from the repository owner in
// one place: the workflow), so a fork publishes its own image. All three are validated like
// any profile value.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/errors';
import { ENVIRONMENTS, EnvironmentName, isEnvironmentName } from '../config/environments';
import { devSecretsFile, loadDevSecrets } from './dev-secrets';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from './environments';
import { PolicyError } from './policies';
import { synthesize } from './synth';

const root = resolve(__dirname, '..', '..');
const OPTIONS = ['--image-repository', '--image-tag', '--image-digest'];

function main(argv: readonly string[]): number {
  const started = process.hrtime.bigint();
  const option = (flag: string) =>
    argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  const imageRepository = option('--image-repository');
  const imageTag = option('--image-tag');
  const imageDigest = option('--image-digest');
  const names = argv.filter((a) => !OPTIONS.some((flag) => a.startsWith(`${flag}=`)));
  const unknown = names.filter((a) => !isEnvironmentName(a));
  if (unknown.length > 0) {
    console.error(
      `synth: unknown environment ${unknown.map((u) => JSON.stringify(u)).join(', ')}; ` +
        `allowed: ${ENVIRONMENTS.join(', ')}, --image-repository=<registry>/<path>, ` +
        `--image-tag=<tag> and --image-digest=sha256:<hex>`,
    );
    return 2;
  }
  const selected: readonly EnvironmentName[] =
    names.length > 0 ? (names as EnvironmentName[]) : ENVIRONMENTS;

  const devSecrets = selected.includes('dev')
    ? loadDevSecrets(devSecretsFile(root), DEV_SECRET_PROPERTIES)
    : {};
  const all = springApiProfiles(devSecrets);
  const profiles = Object.fromEntries(
    selected.map((env) => [
      env,
      {
        ...all[env],
        image: {
          ...all[env].image,
          ...(imageRepository === undefined ? {} : { repository: imageRepository }),
          ...(imageTag === undefined ? {} : { tag: imageTag }),
          ...(imageDigest === undefined ? {} : { digest: imageDigest }),
        },
      },
    ]),
  );
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const outdir = resolve(process.env.CDK8S_OUTDIR ?? join(root, 'dist'));

  try {
    const summaries = synthesize({ outdir, profiles, chartVersion: pkg.version });
    for (const s of summaries) {
      const kinds = Object.entries(s.kinds)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ');
      console.log(`${s.environment}: ${s.objects} objects (${kinds}) -> ${s.file}`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`synth: invalid configuration, nothing was written:\n${error.message}`);
      return 1;
    }
    if (error instanceof PolicyError) {
      console.error(`synth: output policy violated, nothing was written:\n${error.message}`);
      return 1;
    }
    throw error;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`synthesized ${selected.length} environment(s) in ${ms.toFixed(0)} ms`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
