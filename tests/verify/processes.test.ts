import { existsSync } from 'node:fs';
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
