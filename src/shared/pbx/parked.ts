/**
 * "Parked": the PBX refused these settings and credentials (ACCESS_DENIED, Ozeki 304–307), so
 * asking again with the same ones can only lock the account (issue 18, gap 6). The record lives
 * in storage.session so a stopped worker does not forget it; it holds a SHA-256 fingerprint of
 * what was refused, never the secret itself. New credentials or settings have another
 * fingerprint and connect; a connection resets the backoff only once it has stayed up a while.
 */
import { isRecord } from '../guard';

export interface ParkedRecord {
  fingerprint: string;
  /** Why, as the agent was told. */
  detail: string;
  at: number;
}

/** A connection must stay up this long before the reconnect backoff starts from the beginning. */
export const STABLE_AFTER_MS = 30_000;

/** What a refusal depends on: where we connect, as whom, with which secret. */
export interface RefusedWith {
  connector: string;
  serverUrl: string;
  extension: string;
  ozekiApiUrl: string;
  ozekiApiExtension: string;
  token: string;
  ozekiUsername: string;
  ozekiPassword: string;
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** SHA-256 over the refused settings and credentials (a fixed field order, length-prefixed). */
export async function refusalFingerprint(parts: RefusedWith): Promise<string> {
  const fields = [
    parts.connector,
    parts.serverUrl,
    parts.extension,
    parts.ozekiApiUrl,
    parts.ozekiApiExtension,
    parts.token,
    parts.ozekiUsername,
    parts.ozekiPassword,
  ];
  const text = `popline-parked-v1\n${fields.map((field) => `${field.length}:${field}`).join('\n')}`;
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export function parseParked(stored: unknown): ParkedRecord | null {
  if (!isRecord(stored)) return null;
  const { fingerprint, detail, at } = stored;
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) return null;
  return { fingerprint, detail: typeof detail === 'string' ? detail.slice(0, 512) : '', at: Number(at) || 0 };
}
