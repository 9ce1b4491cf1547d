/** The refusal fingerprint (issue 18, gap 6): same inputs, same print; any change, another; no secret in it. */
import { parseParked, type RefusedWith, refusalFingerprint } from '../../src/shared/pbx/parked';

const refused: RefusedWith = {
  connector: 'cti',
  serverUrl: 'wss://pbx.example/cti',
  extension: '1001',
  ozekiApiUrl: '',
  ozekiApiExtension: '',
  token: 'secret-token-123',
  ozekiUsername: '',
  ozekiPassword: '',
};

test('the same refused credentials have the same fingerprint; new ones another', async () => {
  const print = await refusalFingerprint(refused);
  expect(print).toMatch(/^[0-9a-f]{64}$/);
  expect(await refusalFingerprint({ ...refused })).toBe(print);
  expect(await refusalFingerprint({ ...refused, token: 'secret-token-124' })).not.toBe(print);
  expect(await refusalFingerprint({ ...refused, serverUrl: 'wss://other.example/cti' })).not.toBe(print);
  expect(await refusalFingerprint({ ...refused, ozekiPassword: 'x' })).not.toBe(print);
  // Field boundaries count: moving a character from one field to the next is another input.
  expect(await refusalFingerprint({ ...refused, extension: '100', token: '1secret-token-123' })).not.toBe(print);
  expect(print).not.toContain('secret');
});

test('a stored record is read back only when well-formed', async () => {
  const fingerprint = await refusalFingerprint(refused);
  expect(parseParked({ fingerprint, detail: 'refused', at: 5 })).toEqual({ fingerprint, detail: 'refused', at: 5 });
  expect(parseParked({ fingerprint: 'secret-token-123', detail: 'x' })).toBeNull();
  expect(parseParked(undefined)).toBeNull();
});
