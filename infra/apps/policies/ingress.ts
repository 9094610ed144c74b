import { isIP } from 'node:net';
import { ManifestObject } from '../render';
import { id } from './objects';

interface IngressView {
  readonly spec?: {
    readonly rules?: readonly { readonly host?: string }[];
    readonly tls?: readonly { readonly hosts?: readonly string[] }[];
  };
}

/**
 * Ingress hosts are DNS names: the API server refuses an IP address there (and TLS hosts are
 * matched by name), so an address would only fail at apply time.
 */
export function ingressHostViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => x.kind === 'Ingress')) {
    const spec = (o as unknown as IngressView).spec;
    const hosts: [string, string | undefined][] = [
      ...(spec?.rules ?? []).map((r, i): [string, string | undefined] => [`rule ${i}`, r.host]),
      ...(spec?.tls ?? []).flatMap((t, i) =>
        (t.hosts ?? []).map((h): [string, string] => [`tls ${i}`, h]),
      ),
    ];
    for (const [where, host] of hosts) {
      if (host !== undefined && isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) {
        out.push(`${id(o)} ${where}: host "${host}" is an IP address, not a DNS name`);
      }
    }
  }
  return out;
}
