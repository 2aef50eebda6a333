/**
 * A random UUIDv4 for `client_id`. `crypto.randomUUID` exists only in secure contexts (https or
 * localhost); `getRandomValues` works on plain http too, which is how a LAN demo is served.
 */
export function newClientId(): string {
  if (typeof globalThis.crypto.randomUUID === 'function' && globalThis.isSecureContext) {
    return globalThis.crypto.randomUUID();
  }
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
