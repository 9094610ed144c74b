/** One invalid configuration value: which key, what it was, what would have been accepted. */
export interface ConfigIssue {
  /** Dotted path of the key, e.g. `prod.springApi.autoscaling.maxReplicas`. */
  readonly key: string;
  /** The value that was rejected. */
  readonly value: unknown;
  /** What is allowed, phrased to follow "must be". */
  readonly allowed: string;
  /** Leave the value out of the message (it may be a secret that no reader declared as one). */
  readonly hideValue?: boolean;
}

/** Renders a value for an error message: strings quoted, objects as JSON, undefined spelled out. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function formatIssue(issue: ConfigIssue): string {
  const subject = issue.hideValue ? issue.key : `${issue.key} = ${formatValue(issue.value)}`;
  return `${subject} is invalid: must be ${issue.allowed}`;
}

/**
 * Thrown before anything is synthesized or created when configuration is invalid. Every issue
 * found is reported at once, one per line, so a user fixes them in one pass.
 */
export class ConfigError extends Error {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Runs each reader and returns their results, or throws one ConfigError with the issues of every
 * reader that failed: keys read by different modules are still reported in one pass.
 */
export function readTogether<T extends readonly unknown[]>(
  ...readers: { readonly [K in keyof T]: () => T[K] }
): T {
  const issues: ConfigIssue[] = [];
  const results = readers.map((read) => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return results as unknown as T;
}
