// `npm run synth`: runs infra/apps/main.ts as one prebuilt CommonJS bundle instead of through
// ts-node, which spends most of a run loading the TypeScript compiler and transpiling every
// file. The bundle lives in build/synth/ (git-ignored) and is rebuilt with esbuild whenever
// it is stale: when any file it was built from changed (per esbuild's metafile, so whatever
// the sources import, wherever it lives), or this script, tsconfig.json, the lockfile or
// esbuild's version did. V8's code
// cache for the bundle is kept beside it, which Node 20 has no built-in switch for.
//
// Plain JavaScript on purpose: whatever runs before the bundle exists must not need a build.
'use strict';

const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const root = path.resolve(__dirname, '..', '..');
const entry = path.join(root, 'infra', 'apps', 'main.ts');
// $SYNTH_BUILD_DIR lets tests build a bundle of their own.
const outdir = path.resolve(process.env.SYNTH_BUILD_DIR ?? path.join(root, 'build', 'synth'));
const bundle = path.join(outdir, 'main.js');
const stampFile = path.join(outdir, 'stamp.json');

/** What must be unchanged for a bundle to be reused: a file's size and modification time. */
function fingerprint(file) {
  try {
    const s = fs.statSync(file);
    return `${s.size} ${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function esbuildVersion() {
  return require('esbuild/package.json').version;
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why the bundle must be rebuilt, or undefined when it is fresh. */
function staleReason(stamp) {
  if (stamp === undefined) return 'no bundle yet';
  if (typeof stamp.inputs !== 'object' || stamp.inputs === null) return 'stamp unreadable';
  if (stamp.bundle !== fingerprint(bundle)) return `${path.relative(root, bundle)} changed`;
  if (stamp.esbuild !== esbuildVersion()) return 'esbuild version changed';
  for (const [file, seen] of Object.entries(stamp.inputs)) {
    if (fingerprint(path.join(root, file)) !== seen) return `${file} changed`;
  }
  return undefined;
}

/** Writes `contents` to `file` through a rename, so a concurrent run never reads half a file. */
function writeAtomically(file, contents) {
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, contents);
  fs.renameSync(scratch, file);
}

function build() {
  const esbuild = require('esbuild');
  let result;
  try {
    result = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: bundle,
      minify: true,
      keepNames: true,
      legalComments: 'none',
      metafile: true,
      write: false,
      logLevel: 'warning',
      absWorkingDir: root,
    });
  } catch {
    // esbuild has printed the errors with their file and line.
    console.error(`synth: could not bundle ${path.relative(root, entry)}; nothing was written`);
    process.exit(1);
  }
  // Besides what esbuild read: this script, the compiler options esbuild honours (class field
  // semantics follow tsconfig's target) and the lockfile, which moves with every dependency.
  const inputs = {
    [path.relative(root, __filename)]: '',
    'tsconfig.json': '',
    'package-lock.json': '',
  };
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = '';
  // Fingerprints are taken after the build: an edit during it makes the next run rebuild.
  for (const file of Object.keys(inputs)) inputs[file] = fingerprint(path.join(root, file));
  const code = result.outputFiles.find((f) => f.path === bundle);
  fs.mkdirSync(outdir, { recursive: true });
  writeAtomically(bundle, code.contents);
  const stamp = {
    esbuild: esbuildVersion(),
    bundle: fingerprint(bundle),
    inputs,
  };
  writeAtomically(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
}

/** Builds the bundle when it is stale. */
function ensureBundle() {
  const reason = staleReason(readStamp());
  if (reason === undefined) return;
  if (process.env.SYNTH_LOG_BUILD === '1') console.error(`synth: rebuilding bundle (${reason})`);
  build();
}

/**
 * Runs the bundle in this process as Node would run a CommonJS main module, with V8's code
 * cache. V8 checks a cache against the source's length only, so the cache file is named after
 * a hash of the source read here: another bundle never meets this one's cache.
 */
function runBundle() {
  const source = fs.readFileSync(bundle, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cacheFile = path.join(outdir, `main.${hash}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: bundle, cachedData },
  );
  const mod = { exports: {}, filename: entry, id: '.', loaded: false };
  const fn = script.runInThisContext();
  // The bundle sees the entry's own file and folder, so main.ts finds the repository root
  // from `__dirname` exactly as under ts-node, wherever the bundle was written.
  fn.call(mod.exports, mod.exports, createRequire(entry), mod, entry, path.dirname(entry));
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    if (process.env.SYNTH_LOG_BUILD === '1') console.error('synth: writing V8 code cache');
    for (const old of fs.readdirSync(outdir)) {
      if (old.endsWith('.v8cache')) fs.rmSync(path.join(outdir, old), { force: true });
    }
    writeAtomically(cacheFile, script.createCachedData());
  }
}

ensureBundle();
runBundle();
