/**
 * Servers that are not PopLine servers, for "Test connection": one that never answers, and a
 * TLS server with a self-signed certificate that answers plain HTTP on the same port with 400
 * (as nginx does), which is how a client can tell "certificate not trusted" from "nothing there".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

const closer = (server: Server, sockets: Set<Socket>) => () =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

/** Accepts TCP connections and never says a word. */
export async function silentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

/** A self-signed certificate for 127.0.0.1, made with openssl; null when openssl is missing. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'popline-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** TLS (untrusted certificate) and plain HTTP on one port, told apart by the first byte. */
export async function untrustedTlsServer(certificate: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const tls = createHttpsServer(certificate, (_request, response) => response.end('tls'));
  const plain = createHttpServer((_request, response) => {
    response.writeHead(400, { 'content-type': 'text/plain' });
    response.end('The plain HTTP request was sent to HTTPS port');
  });
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Peek at the first byte (0x16 starts a TLS handshake) and hand the socket on untouched.
    socket.once('readable', () => {
      const first: Buffer | null = socket.read(1);
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? tls : plain).emit('connection', socket);
    });
  });
  return { port: await listen(server), close: closer(server, sockets) };
}
