// What every part of `npm run verify` shares: the repository root, the tally and plain JSON.
import { resolve } from 'node:path';

export const root = resolve(__dirname, '..', '..', '..');

// Manifests are plain JSON here; typing every path read would add nothing.
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Passed checks and failure messages, added to by each part. */
export interface Tally {
  passed: number;
  readonly failures: string[];
}
