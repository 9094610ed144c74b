import { existsSync, readFileSync } from 'node:fs';
import { ProcessGroup } from '../../scripts/verify/processes';

// A part that starts clusters of its own hands them to verify's group, which SIGINT stops.
describe('ProcessGroup.adopt', () => {
  it('stops the adopted group with its own: helpers ended, folder removed', async () => {
    const owner = new ProcessGroup();
    const part = owner.adopt(new ProcessGroup());
    const child = part.launch('sleep', ['60'], 'sleep.log');
    const folder = part.scratch('x');
    const exited = new Promise<string | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    owner.stop();
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(folder)).toBe(false);
  });

  it('waits for the adopted group in stopAndWait', async () => {
    const owner = new ProcessGroup();
    const child = owner.adopt(new ProcessGroup()).launch('sleep', ['60'], 'sleep.log');
    await owner.stopAndWait();
    expect(child.signalCode).toBe('SIGKILL');
  });
});

// PostgreSQL refuses root: verify's db-restore part launches it as the postgres user.
describe('ProcessGroup.launch as another user', () => {
  const asRoot = process.getuid?.() === 0 ? it : it.skip;

  asRoot('runs the helper under the given uid and gid, still stopped by its PID', async () => {
    const group = new ProcessGroup();
    const child = group.launch('sleep', ['60'], 'sleep.log', undefined, {
      uid: 65534,
      gid: 65534,
    });
    await new Promise((resolve) => child.once('spawn', resolve));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\t65534\t/m);
    expect(status).toMatch(/^Gid:\t65534\t/m);
    await group.stopAndWait();
    expect(child.signalCode).toBe('SIGKILL');
  });
});
