import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

// The layers of infra/, each folder one: config -> cluster -> platform -> apps, with kube/ (the
// shared Kubernetes client) below cluster and platform. An import runs down the layers, never up:
// config imports nothing of the others; cluster neither the platform nor the apps. infra/index.ts
// is the program that wires the layers together, and scripts/ and tests/ may import anything.

const LAYERS = ['config', 'kube', 'cluster', 'platform', 'apps'] as const;
type Layer = (typeof LAYERS)[number];

/** What each layer may import besides itself. */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  config: [],
  kube: ['config'],
  cluster: ['config', 'kube'],
  // The platform installs what the apps declare: the footprint sums the API's requests, and
  // Vault serves the access the apps' profiles declare. It reads their data, never the reverse
  // of the cluster rule.
  platform: ['config', 'kube', 'cluster', 'apps'],
  // The apps' manifests are the same on every cluster: nothing of the cluster layer, nor kube/.
  apps: ['config', 'platform'],
};

interface Source {
  /** Path from the repository root, with "/". */
  readonly path: string;
  readonly text: string;
}

/** Every module specifier `text` imports: static and type imports, re-exports, require, import(). */
function specifiers(text: string): string[] {
  const found = text.matchAll(
    /(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?|\bexport\s+(?:type\s+)?[\w*{}\s,$]+\s+from\s+|\brequire\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g,
  );
  return [...found].map((m) => m[1] ?? '');
}

function layerOf(path: string): Layer | 'program' | 'outside' {
  const parts = path.split('/');
  if (parts[0] !== 'infra') return 'outside';
  if (parts.length === 2) return 'program';
  return (LAYERS as readonly string[]).includes(parts[1] ?? '') ? (parts[1] as Layer) : 'outside';
}

/** One line per import that runs against the layers. */
function layerViolations(sources: readonly Source[]): string[] {
  const out: string[] = [];
  for (const { path, text } of sources) {
    const from = layerOf(path);
    if (from === 'outside' || from === 'program') continue;
    for (const spec of specifiers(text)) {
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(path), spec))
        .split(sep)
        .join('/');
      const to = layerOf(target);
      if (to === from || (to !== 'outside' && MAY_IMPORT[from].includes(to as Layer))) continue;
      if (to === 'outside' && !/^(scripts|tests)\//.test(target)) continue; // charts/, package.json
      out.push(`${path} (${from}) imports ${spec} (${to === 'outside' ? target : to})`);
    }
  }
  return out;
}

const ROOT = join(__dirname, '..', '..');

function sourcesUnder(dir: string): Source[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts')
      ? [{ path, text: readFileSync(join(ROOT, path), 'utf8') }]
      : [];
  });
}

describe('the layers of infra/', () => {
  const sources = sourcesUnder('infra');

  it('are kept: every import runs down the layers', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(layerViolations(sources)).toEqual([]);
  });

  it('are seen in every layer', () => {
    const layers = new Set(sources.map((s) => layerOf(s.path)));
    expect([...layers].sort()).toEqual([...LAYERS, 'program'].sort());
  });

  it('catch an import from cluster to platform, and from config to anything above it', () => {
    const fixture: Source[] = [
      {
        path: 'infra/cluster/gcp/bad.ts',
        text: "import { Platform } from '../../platform/platform';",
      },
      { path: 'infra/cluster/worse.ts', text: "export * from '../apps/render';" },
      { path: 'infra/config/bad.ts', text: "import type { Cluster } from '../cluster/cluster';" },
      { path: 'infra/config/lazy.ts', text: "const k = require('../kube/kube-api');" },
      { path: 'infra/apps/bad.ts', text: "const m = await import('../cluster/gcp');" },
      { path: 'infra/platform/bad.ts', text: "import { x } from '../../tests/support/fixtures';" },
      // Allowed: down the layers, within a layer, packages, the program, and outside infra/.
      {
        path: 'infra/cluster/ok.ts',
        text: "import { a } from '../kube/kube-api';\nimport * as k8s from '@pulumi/kubernetes';",
      },
      {
        path: 'infra/platform/ok.ts',
        text: "import { b } from '../cluster/cluster';\nimport { c } from './charts';",
      },
      { path: 'infra/index.ts', text: "import { p } from './platform/platform';" },
      { path: 'scripts/verify/ok.ts', text: "import { p } from '../../infra/platform/platform';" },
    ];
    expect(layerViolations(fixture)).toEqual([
      'infra/cluster/gcp/bad.ts (cluster) imports ../../platform/platform (platform)',
      'infra/cluster/worse.ts (cluster) imports ../apps/render (apps)',
      'infra/config/bad.ts (config) imports ../cluster/cluster (cluster)',
      'infra/config/lazy.ts (config) imports ../kube/kube-api (kube)',
      'infra/apps/bad.ts (apps) imports ../cluster/gcp (cluster)',
      'infra/platform/bad.ts (platform) imports ../../tests/support/fixtures (tests/support/fixtures)',
    ]);
  });

  it('read multi-line and type-only imports', () => {
    expect(
      specifiers(
        "import {\n  a,\n  b,\n} from './x';\nimport type { T } from \"../y\";\nexport { c } from './z';\nimport './side-effect';",
      ),
    ).toEqual(['./x', '../y', './z', './side-effect']);
  });
});
