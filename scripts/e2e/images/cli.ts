// Builds the e2e images by hand and prints what it wrote (see README.md here):
//
//   ts-node --transpile-only scripts/e2e/images/cli.ts api <jar> <workDir> <name>...
//   ts-node --transpile-only scripts/e2e/images/cli.ts pause <workDir> <name>...
//   ts-node --transpile-only scripts/e2e/images/cli.ts binary <binary> <path> <workDir> <name>...
import { buildApiImage } from './api-image';
import { buildPauseImage, buildStaticBinaryImage } from './small';

function main(argv: readonly string[]): void {
  const [kind, ...rest] = argv;
  if (kind === 'api') {
    const [jar = '', workDir = '', ...names] = rest;
    const image = buildApiImage({ jar, workDir, names });
    console.log(JSON.stringify({ ...image, seconds: Math.round(image.seconds * 10) / 10 }));
  } else if (kind === 'pause') {
    const [workDir = '', ...names] = rest;
    console.log(JSON.stringify(buildPauseImage({ workDir, names })));
  } else if (kind === 'binary') {
    const [binary = '', path = '', workDir = '', ...names] = rest;
    console.log(JSON.stringify(buildStaticBinaryImage({ binary, path, workDir, names })));
  } else {
    throw new Error(`usage: cli.ts api|pause|binary ...; got "${kind ?? ''}"`);
  }
}

main(process.argv.slice(2));
