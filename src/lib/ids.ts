import { randomBytes, createHash } from 'node:crypto';

/** 128 random bits, shaped like a Feishu hook token (8-4-4-4-12 hex) so senders that validate it accept it. */
export function newHookKey(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newOpaqueId(): string {
  return randomBytes(12).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
