// What a failed e2e run keeps besides the components' logs: the pods, the events and the last
// lines of every container's log, one file each in the node's folder (copied to .tools/e2e-logs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `kubectl` runs a kubectl command against the node and returns its stdout. */
export function writeDiagnostics(dir: string, kubectl: (args: string[]) => string): void {
  const dump = (name: string, args: string[]) =>
    writeFileSync(join(dir, `${name}.log`), `${kubectl(args)}\n`);
  dump('pods', ['get', 'pods', '-A', '-o', 'wide']);
  dump('events', ['get', 'events', '-A', '--sort-by=.lastTimestamp']);
  const refs = kubectl([
    'get',
    'pods',
    '-A',
    '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  ]);
  for (const ref of refs.split('\n').filter(Boolean)) {
    const [ns, name] = ref.split('/');
    dump(`pod-${ns}-${name}`, [
      '-n',
      ns,
      'logs',
      name,
      '--all-containers',
      '--prefix',
      '--tail=200',
    ]);
  }
}
