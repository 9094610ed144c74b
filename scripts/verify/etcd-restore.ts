// The pure half of verify's etcd-restore part: the gcp control plane's EncryptionConfiguration
// taken from its own startup script, what an object is compared by before and after a restore,
// and how the raw etcd value of a Secret and the restored member are judged.
import { isDeepStrictEqual } from 'node:util';

const CONFIG_HEREDOC = /cat >\/etc\/kubernetes\/encryption\/config\.yaml <<EOF\n([\s\S]*?)\nEOF\n/;
const KEY_PLACEHOLDER = '${encryption_key}';

/**
 * The EncryptionConfiguration the gcp control plane's startup script writes, with the key the
 * script would fetch from Secret Manager put in its place. Throws when the script no longer
 * writes one the way this check reads it.
 */
export function encryptionConfigFrom(script: string, key: string): string {
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== key) {
    throw new Error(
      `encryption key: expected 32 bytes in base64 (what secretbox takes), got ${key.length} characters`,
    );
  }
  const found = CONFIG_HEREDOC.exec(script);
  if (!found?.[1]) {
    throw new Error(
      'control plane script: no `cat >/etc/kubernetes/encryption/config.yaml <<EOF` heredoc to read the EncryptionConfiguration from',
    );
  }
  const body = found[1];
  const uses = body.split(KEY_PLACEHOLDER).length - 1;
  if (uses !== 1) {
    throw new Error(
      `control plane script: the EncryptionConfiguration uses ${KEY_PLACEHOLDER} ${uses} times; expected exactly once`,
    );
  }
  return `${body.replace(KEY_PLACEHOLDER, key)}\n`;
}

/** The name of the first secretbox key, the one the API server encrypts new writes with. */
export function secretboxWriteKey(config: string): string {
  const found = /secretbox:\s*\n\s*keys:\s*\n\s*- name: (\S+)/.exec(config);
  if (!found?.[1]) throw new Error('EncryptionConfiguration: no secretbox provider with a key');
  return found[1];
}

/** The namespace and Secret the check writes. */
export const NS = 'restore-check';
export const SECRET = 'credentials';

/** Every object the check compares, by ref. */
export const OBJECTS = [
  { kind: 'Namespace', name: NS },
  { kind: 'ClusterRole', name: 'restore-check-reader' },
  { kind: 'ConfigMap', name: 'settings', namespace: NS },
  { kind: 'Secret', name: SECRET, namespace: NS },
  { kind: 'ConfigMap', name: 'written-late', namespace: NS },
] as const;

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What an object is compared by across a restore. */
export interface Summary {
  /** Kind/namespace/name, or Kind/name for cluster-scoped objects. */
  readonly ref: string;
  readonly uid: string;
  /** The part that carries the object's meaning: labels, data (a Secret's decoded), rules. */
  readonly content: unknown;
  /** Whether content is secret: a difference is reported without values. */
  readonly secret: boolean;
}

/** Kinds the restore check writes and knows how to compare. */
export const SUMMARIZED_KINDS = ['Namespace', 'ConfigMap', 'Secret', 'ClusterRole'] as const;

export function refOf(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

/** The summary of one object as the API server returned it. */
export function summarize(object: Json): Summary {
  const kind = String(object.kind);
  const m = object.metadata ?? {};
  const ref = refOf(kind, String(m.name), m.namespace as string | undefined);
  const uid = String(m.uid ?? '');
  switch (kind) {
    case 'Namespace':
      return { ref, uid, content: m.labels ?? {}, secret: false };
    case 'ConfigMap':
      return { ref, uid, content: object.data ?? {}, secret: false };
    case 'Secret': {
      const data = Object.entries((object.data ?? {}) as Record<string, string>);
      const decoded = data.map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]);
      return { ref, uid, content: Object.fromEntries(decoded), secret: true };
    }
    case 'ClusterRole':
      return { ref, uid, content: object.rules ?? [], secret: false };
    default:
      throw new Error(
        `summarize: kind ${kind} (${ref}) is not one of ${SUMMARIZED_KINDS.join(', ')}`,
      );
  }
}

function contentDifference(before: unknown, after: unknown, secret: boolean): string {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(before) || !isRecord(after)) return 'content differs';
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((k) => !isDeepStrictEqual(before[k], after[k]));
  if (secret) return `data differs in key(s) ${changed.join(', ')} (values not shown)`;
  return `differs in ${changed.map((k) => `${k}: ${JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`).join(', ')}`;
}

/**
 * Compares what was written before the snapshot with what a restored cluster returns: each
 * expected object must be there with the same uid and content. `restored` maps a ref to the
 * object's summary, or to the API server's error when it could not be read.
 */
export function diffRestored(
  expected: readonly Summary[],
  restored: ReadonlyMap<string, Summary | string>,
): string[] {
  const problems: string[] = [];
  for (const before of expected) {
    const after = restored.get(before.ref);
    if (after === undefined) problems.push(`${before.ref}: not read back after the restore`);
    else if (typeof after === 'string')
      problems.push(`${before.ref}: unreadable after the restore: ${after}`);
    else if (after.uid !== before.uid)
      problems.push(`${before.ref}: uid ${after.uid} after the restore, ${before.uid} before`);
    else if (!isDeepStrictEqual(after.content, before.content))
      problems.push(
        `${before.ref}: ${contentDifference(before.content, after.content, before.secret)}`,
      );
  }
  return problems;
}

/**
 * What is wrong with a Secret's raw value in etcd: it must carry the secretbox prefix of the key
 * that wrote it and none of the plaintexts may appear in it.
 */
export function atRestProblems(
  raw: Buffer,
  keyName: string,
  plaintexts: readonly string[],
): string[] {
  const problems: string[] = [];
  const prefix = `k8s:enc:secretbox:v1:${keyName}:`;
  if (raw.length === 0) problems.push('no value stored');
  else if (!raw.subarray(0, prefix.length).equals(Buffer.from(prefix)))
    problems.push(
      `stored without the ${prefix} prefix (starts ${JSON.stringify(raw.subarray(0, 24).toString('latin1'))})`,
    );
  if (plaintexts.some((p) => p.length > 0 && raw.includes(Buffer.from(p))))
    problems.push('a plaintext value is stored in the clear');
  return problems;
}

/** What is wrong with `etcdctl member list -w json` of a restored single-member cluster. */
export function memberProblems(
  memberListJson: string,
  member: { readonly name: string; readonly peerUrl: string },
): string[] {
  let members: Json[];
  try {
    members = ((JSON.parse(memberListJson) as Json).members ?? []) as Json[];
  } catch {
    return [`member list is not JSON: ${memberListJson.slice(0, 200)}`];
  }
  if (members.length !== 1) return [`${members.length} members after the restore; expected 1`];
  const [only] = members;
  const problems: string[] = [];
  if (only?.name !== member.name)
    problems.push(`member name ${only?.name}; expected ${member.name}`);
  if (!isDeepStrictEqual(only?.peerURLs, [member.peerUrl]))
    problems.push(
      `member peer URLs ${JSON.stringify(only?.peerURLs)}; expected ["${member.peerUrl}"]`,
    );
  return problems;
}

/**
 * The self-tests' verdicts on what a comparison reported. `older`: the early snapshot under the
 * right key must fail for exactly the two later writes. `otherKey`: the final snapshot under
 * another key must fail for the Secret alone, and the API server must say why it is not ready.
 */
export function selfTestProblems(
  older: readonly string[],
  otherKey: readonly string[],
  otherKeyReadyz: string,
): string[] {
  const problems: string[] = [];
  const expect = (from: string, got: readonly string[], wanted: readonly RegExp[]) => {
    const unmatched = wanted.filter((w) => !got.some((p) => w.test(p)));
    if (unmatched.length > 0 || got.length !== wanted.length)
      problems.push(
        `self-test (${from}): expected exactly ${wanted.join(', ')}; got: ${got.join('; ') || 'no failure'}`,
      );
  };
  expect('an older snapshot', older, [
    new RegExp(`^ConfigMap/${NS}/written-late: unreadable after the restore: .*NotFound`),
    new RegExp(`^ConfigMap/${NS}/settings: differs in mode: "late" -> "early"$`),
  ]);
  expect('another encryption key', otherKey, [
    // secretbox's failed open, as kube-apiserver 1.32 words it ("unable to transform key" in its log).
    new RegExp(
      `^Secret/${NS}/${SECRET}: unreadable after the restore: .*InternalError.*(unable to transform key|output array was not large enough)`,
    ),
  ]);
  if (!otherKeyReadyz.includes('[-]informer-sync failed'))
    problems.push(
      `self-test (another encryption key): /readyz does not report informer-sync failed: ${otherKeyReadyz}`,
    );
  return problems;
}
