/**
 * A fake Voximplant HTTP API (https://host/platform_api) for the tests: multipart POSTs with `cmd`,
 * authenticated the way the real one is, with a service account's RS256 JWT (kid = key_id, iss =
 * account_id) that it verifies against the key's public half. StartScenarios starts a session in the
 * VoxEngine emulator with the script custom data (200 bytes at most); GetCallHistory answers from
 * `history`. It serves TLS with a self-signed certificate for 127.0.0.1 that the bridge under test
 * trusts through NODE_EXTRA_CA_CERTS, as it would trust any CA.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VoxCloud } from './voxengine';

export interface ApiCall {
  cmd: string;
  fields: Record<string, string>;
  kid: string;
  iss: number;
}

/** A certificate for 127.0.0.1 (as an IP SAN, which Node checks), its key, and the file the CA bundle is in. */
export function localhostCertificate(): { key: Buffer; cert: Buffer; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'popline-vox-cert-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    certFile: join(dir, 'cert.pem'),
  };
}

/** A service account key file as the control panel gives it. */
export function serviceAccountKey(
  dir: string,
  accountId = 4242,
): { file: string; publicKey: KeyObject; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = 'b7c1f9e2-test-key';
  const file = join(dir, 'vox-key.json');
  writeFileSync(
    file,
    JSON.stringify({
      account_email: 'admin@example.com',
      account_id: accountId,
      key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    }),
    { mode: 0o600 },
  );
  return { file, publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), keyId };
}

const b64 = (text: string) => Buffer.from(text, 'base64url');

export class FakeVoximplantApi {
  readonly calls: ApiCall[] = [];
  /** GetCallHistory's sessions, as the API sends them (snake_case). */
  history: Record<string, unknown>[] = [];
  /** Set to answer every command with this error. */
  refuse: { msg: string; code: number } | undefined;
  port = 0;
  private server: Server | undefined;

  constructor(
    private readonly o: {
      tls: { key: Buffer; cert: Buffer };
      publicKey: KeyObject;
      keyId: string;
      accountId: number;
      ruleId: number;
      cloud: VoxCloud;
    },
  ) {}

  async start(): Promise<void> {
    this.server = createServer(this.o.tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.answer(req.url ?? '', req.headers, Buffer.concat(chunks)).then(([status, body]) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private verify(authorization: string | undefined): { kid: string; iss: number } | string {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const [head, payload, signature] = token?.split('.') ?? [];
    if (!head || !payload || !signature) return 'no bearer token';
    const header = JSON.parse(b64(head).toString());
    const claims = JSON.parse(b64(payload).toString());
    if (header.alg !== 'RS256' || header.kid !== this.o.keyId) return 'unknown key';
    const valid = createVerify('RSA-SHA256').update(`${head}.${payload}`).verify(this.o.publicKey, b64(signature));
    if (!valid) return 'bad signature';
    if (claims.iss !== this.o.accountId || claims.exp < Date.now() / 1000) return 'expired or foreign token';
    return { kid: header.kid, iss: claims.iss };
  }

  private async answer(url: string, headers: Record<string, unknown>, body: Buffer): Promise<[number, unknown]> {
    if (url !== '/platform_api') return [404, { error: { msg: 'not found', code: 404 } }];
    const auth = this.verify(headers.authorization as string | undefined);
    if (typeof auth === 'string') return [401, { error: { msg: `Authorization failed: ${auth}`, code: 100 } }];
    const form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': String(headers['content-type']) },
    }).formData();
    const fields = Object.fromEntries([...form].map(([k, v]) => [k, String(v)]));
    const cmd = fields.cmd ?? '';
    this.calls.push({ cmd, fields, ...auth });
    if (this.refuse) return [200, { error: this.refuse }];
    if (cmd === 'StartScenarios') {
      if (Number(fields.rule_id) !== this.o.ruleId) return [200, { error: { msg: 'Rule not found', code: 155 } }];
      const data = fields.script_custom_data ?? '';
      if (Buffer.byteLength(data) > 200) return [200, { error: { msg: 'script_custom_data is too long', code: 121 } }];
      const session = this.o.cloud.startScenario(data);
      return [
        200,
        {
          result: 1,
          media_session_access_url: session.accessSecureURL,
          media_session_access_secure_url: session.accessSecureURL,
          call_session_history_id: session.id,
        },
      ];
    }
    if (cmd === 'GetCallHistory') {
      const format = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
      if (!format.test(fields.from_date ?? '') || !format.test(fields.to_date ?? ''))
        return [200, { error: { msg: 'from_date and to_date: YYYY-MM-DD HH:mm:ss', code: 103 } }];
      const count = Number(fields.count ?? 20);
      return [200, { result: this.history.slice(0, count), total_count: this.history.length, count }];
    }
    return [200, { error: { msg: `Unknown method ${cmd}`, code: 1 } }];
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}
