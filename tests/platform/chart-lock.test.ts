import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_CHARTS, PLATFORM_CHARTS } from '../../infra/platform/charts';
import { chartDigest, currentLock, lockProblems, readLock } from '../../infra/platform/chart-lock';
import { useTempDir } from '../support/temp-dir';

// Flux upgrades a platform release only when its chart's version changes
// (reconcileStrategy: ChartVersion), so every change to a wrapper chart must bump its version.
describe('charts/versions.lock.json', () => {
  it('records every wrapper chart as it is: a changed chart has a bumped version and a refreshed lock', () => {
    const current = currentLock([...CLUSTER_CHARTS, ...PLATFORM_CHARTS]);
    expect(lockProblems(readLock(), current)).toEqual([]);
  });

  describe('checked against a chart folder', () => {
    const tmp = useTempDir('chart-lock');
    const chart = (version: string, values = 'a: 1\n') => {
      mkdirSync(join(tmp(), 'x', 'templates'), { recursive: true });
      writeFileSync(
        join(tmp(), 'x', 'Chart.yaml'),
        `apiVersion: v2\nname: x\nversion: ${version}\n`,
      );
      writeFileSync(join(tmp(), 'x', 'values.yaml'), values);
      writeFileSync(join(tmp(), 'x', 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
      return currentLock(['x'], tmp());
    };

    it('refuses a change without a version bump, naming the file and the command', () => {
      const recorded = chart('0.1.0');
      const changed = chart('0.1.0', 'a: 2\n');
      const message =
        'charts/x changed since charts/versions.lock.json but its version is still 0.1.0: ' +
        'Flux (reconcileStrategy: ChartVersion) would not roll it out. ' +
        'Bump "version" in charts/x/Chart.yaml above 0.1.0, then run "npm run charts:lock"';
      expect(lockProblems(recorded, changed)).toEqual([message]);
      // The refresh refuses it too, so the lock cannot be moved past an unbumped change.
      expect(lockProblems(recorded, changed, true)).toEqual([message]);
    });

    it('refuses a lower version with changed contents', () => {
      const recorded = chart('0.2.0');
      expect(lockProblems(recorded, chart('0.1.9', 'a: 2\n'))).toHaveLength(1);
    });

    it('asks for a refresh once the version is bumped, and the refresh accepts it', () => {
      const recorded = chart('0.1.0');
      const bumped = chart('0.1.1', 'a: 2\n');
      expect(lockProblems(recorded, bumped)).toEqual([
        'charts/x is at version 0.1.1 but charts/versions.lock.json records 0.1.0 with another digest: run "npm run charts:lock"',
      ]);
      expect(lockProblems(recorded, bumped, true)).toEqual([]);
    });

    it('names a chart missing from the lock and an entry without a chart', () => {
      const x = chart('0.1.0');
      expect(lockProblems({}, x)).toEqual([
        'charts/x is not in charts/versions.lock.json: run "npm run charts:lock"',
      ]);
      expect(lockProblems({ ...x, gone: { version: '1.0.0', digest: 'sha256:0' } }, x)).toEqual([
        'charts/versions.lock.json names gone, which is not a wrapper chart: run "npm run charts:lock"',
      ]);
    });

    it('covers templates, values files and Chart.yaml', () => {
      const digest = () => chartDigest(join(tmp(), 'x'));
      const digests = [chart('0.1.0').x?.digest];
      writeFileSync(join(tmp(), 'x', 'templates', 'cm.yaml'), 'kind: Secret\n');
      digests.push(digest());
      writeFileSync(join(tmp(), 'x', 'values-gcp.yaml'), 'b: 1\n');
      digests.push(digest());
      writeFileSync(
        join(tmp(), 'x', 'Chart.yaml'),
        'apiVersion: v2\nname: x\nversion: 0.1.0\ndependencies: []\n',
      );
      digests.push(digest());
      expect(new Set(digests).size).toBe(4);
    });

    it('leaves out what `helm dependency update` downloads, and reads CRLF as LF', () => {
      const before = chart('0.1.0').x?.digest;
      mkdirSync(join(tmp(), 'x', 'charts'));
      writeFileSync(join(tmp(), 'x', 'charts', 'dep-1.0.0.tgz'), 'archive');
      writeFileSync(join(tmp(), 'x', 'Chart.lock'), 'dependencies: []\n');
      writeFileSync(join(tmp(), 'x', 'values.yaml'), 'a: 1\r\n');
      expect(chartDigest(join(tmp(), 'x'))).toBe(before);
    });
  });
});
