// Kubernetes resource quantities, parsed to numbers so that requests, limits and quotas can be
// compared and summed. Only the forms this repo accepts are parsed; anything else is rejected by
// the validators with a message listing the accepted forms.

const CPU = /^(\d+(?:\.\d{1,3})?)(m?)$/;
const MEMORY = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const MEMORY_FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export const CPU_FORMS = 'a CPU quantity such as "250m", "1" or "1.5"';
export const MEMORY_FORMS = 'a memory quantity such as "512Mi", "1Gi" or "1G"';

/** Millicores of a CPU quantity, or undefined if it is not one of the accepted forms. */
export function parseCpuMillis(quantity: string): number | undefined {
  const match = CPU.exec(quantity);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const millis = match[2] === 'm' ? amount : amount * 1000;
  return Number.isInteger(millis) && millis > 0 ? millis : undefined;
}

/** Bytes of a memory quantity, or undefined if it is not one of the accepted forms. */
export function parseMemoryBytes(quantity: string): number | undefined {
  const match = MEMORY.exec(quantity);
  if (!match) return undefined;
  const bytes = Number(match[1]) * (MEMORY_FACTORS[match[2] ?? ''] ?? NaN);
  return bytes > 0 ? bytes : undefined;
}

/** Formats millicores the way Kubernetes prints them: whole cores without a suffix. */
export function formatCpuMillis(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${Math.ceil(millis)}m`;
}

/** Formats bytes in mebibytes (Gi when whole), rounding up so a quota never ends up too small. */
export function formatMemoryBytes(bytes: number): string {
  const mebibytes = Math.ceil(bytes / 1024 ** 2);
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}
