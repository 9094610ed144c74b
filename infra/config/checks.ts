import { ConfigError, ConfigIssue } from './errors';
import { CIDR_FORMS, parseIpv4Cidr } from './cidr';
import { CPU_FORMS, MEMORY_FORMS, parseCpuMillis, parseMemoryBytes } from './quantities';

/** RFC 1123 label: what Kubernetes accepts as a namespace or most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain made of labels, at most 253 characters. */
export const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Collects configuration issues under a key prefix, so that every bad value is reported in one
 * error before anything is created. Each helper returns whether the value passed.
 */
export class Checks {
  private readonly found: ConfigIssue[] = [];

  constructor(private readonly prefix: string) {}

  /** Records an issue when `ok` is false. */
  require(ok: boolean, key: string, value: unknown, allowed: string): boolean {
    if (!ok) this.found.push({ key: this.key(key), value, allowed });
    return ok;
  }

  integer(key: string, value: number, min: number, max: number): boolean {
    return this.require(
      Number.isInteger(value) && value >= min && value <= max,
      key,
      value,
      `an integer from ${min} to ${max}`,
    );
  }

  matches(key: string, value: string, pattern: RegExp, allowed: string): boolean {
    return this.require(typeof value === 'string' && pattern.test(value), key, value, allowed);
  }

  dnsLabel(key: string, value: string): boolean {
    return this.matches(
      key,
      value,
      DNS_LABEL,
      'a DNS label: lowercase letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
    );
  }

  /** Returns the millicores, or undefined (and an issue) when the quantity is not accepted. */
  cpu(key: string, value: string): number | undefined {
    const millis = parseCpuMillis(value);
    this.require(millis !== undefined, key, value, CPU_FORMS);
    return millis;
  }

  /** Returns the bytes, or undefined (and an issue) when the quantity is not accepted. */
  memory(key: string, value: string): number | undefined {
    const bytes = parseMemoryBytes(value);
    this.require(bytes !== undefined, key, value, MEMORY_FORMS);
    return bytes;
  }

  ipv4Cidr(key: string, value: string): boolean {
    return this.require(parseIpv4Cidr(value) !== undefined, key, value, CIDR_FORMS);
  }

  get issues(): readonly ConfigIssue[] {
    return this.found;
  }

  /** Throws one ConfigError listing every issue collected so far, if any. */
  throwIfAny(): void {
    if (this.found.length > 0) throw new ConfigError(this.found);
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }
}
