/**
 * The shape of the token file (dataDir/tokens.json) and its validation on load: a file edited by
 * hand or half-understood by an older version must fail loudly, not silently un-revoke a token.
 */
import type { Grant, Permission } from './tokens';

export interface StoredGrant extends Grant {
  issuedAt?: string;
  revokedAt?: string;
}

/** An enrolment code (stored by its HMAC, never in clear) and the grant it turns into. */
export interface EnrolmentRecord {
  extensions: string[];
  permissions: Permission[];
  ttlSeconds: number;
  expiresAt: string;
  userName?: string;
  fullName?: string;
  usedAt?: string;
  grantId?: string;
}

export interface FileState {
  version: 1;
  grants: Record<string, StoredGrant>;
  enrolments: Record<string, EnrolmentRecord>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseState(value: unknown): FileState {
  if (!isRecord(value) || value.version !== 1) throw new Error('not a version 1 token file');
  if (!isRecord(value.grants) || !isRecord(value.enrolments))
    throw new Error('expected "grants" and "enrolments" objects');
  const grants: Record<string, StoredGrant> = Object.create(null);
  for (const [id, grant] of Object.entries(value.grants)) {
    if (!isRecord(grant) || grant.id !== id || !Array.isArray(grant.extensions) || !isRecord(grant.permissions))
      throw new Error(`grant ${JSON.stringify(id)} is malformed`);
    grants[id] = grant as unknown as StoredGrant;
  }
  const enrolments: Record<string, EnrolmentRecord> = Object.create(null);
  for (const [key, record] of Object.entries(value.enrolments)) {
    if (!isRecord(record) || typeof record.expiresAt !== 'string' || !Array.isArray(record.extensions))
      throw new Error('an enrolment is malformed');
    enrolments[key] = record as unknown as EnrolmentRecord;
  }
  return { version: 1, grants, enrolments };
}
