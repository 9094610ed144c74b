// `npm run charts:lock`: records each wrapper chart's version and digest in
// charts/versions.lock.json. Refuses when a chart changed without a higher version, so the lock
// cannot be refreshed past a change Flux would never roll out.
import { writeFileSync } from 'node:fs';
import { CLUSTER_CHARTS, PLATFORM_CHARTS } from './charts';
import { CHART_LOCK_FILE, currentLock, lockProblems, readLock } from './chart-lock';

const current = currentLock([...CLUSTER_CHARTS, ...PLATFORM_CHARTS]);
const problems = lockProblems(readLock(), current, true);
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
writeFileSync(CHART_LOCK_FILE, `${JSON.stringify(current, null, 2)}\n`);
console.log(`wrote ${CHART_LOCK_FILE}`);
