/**
 * The bridge's HTTP server: https (and so wss://) when a certificate and key are configured,
 * plain http otherwise (loopback, or behind a TLS proxy such as bridge/deploy/nginx.conf).
 * Unreadable or mismatched TLS files fail at start with the file named, never at the first agent.
 */
import { readFileSync } from 'node:fs';
import http, { type RequestListener } from 'node:http';
import https from 'node:https';
import type { BridgeConfig } from './config';

function readPem(label: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read TLS ${label} file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function createHttpServer(
  config: Pick<BridgeConfig, 'tls'>,
  handler: RequestListener,
): http.Server | https.Server {
  // Agents' idle WebSockets live long; only the HTTP request phase gets a deadline.
  const common = { requestTimeout: 30_000, headersTimeout: 15_000, keepAliveTimeout: 5_000 };
  if (!config.tls) return http.createServer(common, handler);
  const cert = readPem('certificate', config.tls.certFile);
  const key = readPem('key', config.tls.keyFile);
  try {
    return https.createServer({ ...common, cert, key, minVersion: 'TLSv1.2' }, handler);
  } catch (error) {
    throw new Error(
      `TLS certificate ${config.tls.certFile} and key ${config.tls.keyFile} cannot be used together: ${(error as Error).message}`,
    );
  }
}

/** Re-reads the certificate and key (after a renewal) without dropping connected agents. */
export function reloadTls(server: http.Server | https.Server, tls: NonNullable<BridgeConfig['tls']>): void {
  if (!(server instanceof https.Server)) throw new Error('this server was started without TLS');
  server.setSecureContext({ cert: readPem('certificate', tls.certFile), key: readPem('key', tls.keyFile) });
}
