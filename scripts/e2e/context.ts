// What every part of the e2e shares: the node, the tally of checks, the figures measured for the
// closing report, and HTTP from inside the node's network namespace (where Service addresses
// work) through scripts/e2e/load.ts, bundled once per run.
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { E2eNode } from './node/node';
import { CallSpec, LoadResult, LoadSpec } from './load';

export interface Tally {
  passed: number;
  readonly failures: string[];
  /** Measured figures, printed at the end: name → value with its unit. */
  readonly figures: Record<string, string>;
}

export class E2eContext {
  private readonly loader: string;

  constructor(
    readonly node: E2eNode,
    readonly tally: Tally,
    readonly log: (line: string) => void,
  ) {
    this.loader = join(node.folder, 'load.js');
    buildSync({
      entryPoints: [join(__dirname, 'load.ts')],
      bundle: true,
      platform: 'node',
      outfile: this.loader,
      logLevel: 'error',
    });
  }

  /** Records a check; returns `ok`. */
  check(name: string, ok: boolean, detail = ''): boolean {
    if (ok) {
      this.tally.passed++;
      this.log(`e2e: ok   ${name}`);
    } else {
      this.tally.failures.push(`${name}${detail ? `: ${detail}` : ''}`);
      this.log(`e2e: FAIL ${name}${detail ? `: ${detail}` : ''}`);
    }
    return ok;
  }

  figure(name: string, value: string): void {
    this.tally.figures[name] = value;
    this.log(`e2e: figure ${name}: ${value}`);
  }

  /** One HTTP request from inside the node. */
  call(spec: CallSpec): { status: number; body: string } {
    const r = this.node.exec(process.execPath, [this.loader, 'call', JSON.stringify(spec)]);
    if (r.status !== 0) return { status: 0, body: r.stderr };
    return JSON.parse(r.stdout) as { status: number; body: string };
  }

  /**
   * A bounded load from inside the node, run in the background: `result` resolves when it ends
   * (its time or request count reached, or `stop()`).
   */
  load(spec: LoadSpec): { result: Promise<LoadResult>; stop: () => void } {
    const seconds = spec.seconds + 30;
    let stop = () => {};
    const result = new Promise<LoadResult>((resolve, reject) => {
      const child = this.node.launch(
        'nsenter',
        [
          `--net=/run/netns/${this.node.netns}`,
          '--',
          process.execPath,
          this.loader,
          'load',
          JSON.stringify(spec),
        ],
        `load-${Date.now()}.log`,
        undefined,
        undefined,
        'pipe',
      );
      stop = () => child.kill('SIGTERM');
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(JSON.parse(out) as LoadResult);
        else reject(new Error(`load exited ${code}`));
      });
    });
    return { result, stop: () => stop() };
  }

  /** `kubectl` that must succeed. */
  kubectl(...args: string[]): string {
    return this.node.must(args);
  }

  /** A JSONPath read, '' when the object is absent. */
  get(args: readonly string[], jsonpath: string): string {
    return this.node.kubectl([...args, '-o', `jsonpath=${jsonpath}`]).stdout;
  }
}
