// The init step prints the Pulumi token on stdout, which the Command provider may echo into the
// `pulumi up` log as the command runs. So the token leaves the step sealed (AES-256-GCM) with a
// key the program made for this run and passed in the step's (secret) environment; only the
// program can open it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A fresh 256-bit key, hex. */
export function newSealKey(): string {
  return randomBytes(32).toString('hex');
}

function keyOf(hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('the token seal key is not 64 hex digits');
  return Buffer.from(hex, 'hex');
}

/** base64(iv | tag | ciphertext). */
export function sealToken(token: string, keyHex: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(keyHex), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

export function openToken(text: string, keyHex: string): string {
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length < 29) throw new Error('the init step printed no sealed token');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(keyHex), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
