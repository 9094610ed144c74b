import { ManifestObject } from '../render';
import { id, ObjectMetaView, podTemplate } from './objects';

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'more than one "/"';
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2 && !PREFIX.test(parts[0] ?? '')) return 'prefix is not a DNS subdomain';
  if (!QUALIFIED_NAME.test(name)) {
    return 'name part is not a qualified name of at most 63 characters';
  }
  return undefined;
}

/**
 * Label and annotation keys, and label values, as the API server validates them (the JSON
 * schemas only say "string"): pod template metadata included.
 */
export function metadataViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const metas: [string, ObjectMetaView][] = [['metadata', o.metadata as ObjectMetaView]];
    const template = podTemplate(o);
    if (template) metas.push(['pod template', template.metadata ?? {}]);
    for (const [where, meta] of metas) {
      for (const [field, map] of [
        ['label', meta.labels],
        ['annotation', meta.annotations],
      ] as const) {
        for (const [key, value] of Object.entries(map ?? {})) {
          const problem = keyProblem(key);
          if (problem) out.push(`${id(o)} ${where} ${field} "${key}": ${problem}`);
          if (field === 'label' && (value.length > 63 || !LABEL_VALUE.test(value))) {
            out.push(
              `${id(o)} ${where} label "${key}": value "${value}" is not a valid label value`,
            );
          }
        }
      }
    }
  }
  return out;
}
