/**
 * "Test connection" on the options page in Chromium, one real server per outcome (docs/options.md):
 * connected, denied, unreachable, timed out, not a PopLine server, TLS certificate not trusted.
 * Each outcome is checked by its code and its own words; a test saves nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { selfSignedCertificate, silentServer, type TestServer, untrustedTlsServer } from '../support/servers';

jest.setTimeout(120_000);

let sim: Simulator;
let chromium: ExtensionBrowser;
let options: Page;
const servers: TestServer[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  options = await chromium.browser.newPage();
  await options.goto(`chrome-extension://${chromium.extensionId}/options.html`);
  await options.waitForSelector('form [name="save"]');
});
afterAll(async () => {
  await chromium?.close();
  await sim?.close();
  for (const server of servers) await server.close();
});

async function fill(selector: string, value: string): Promise<void> {
  await options.click(selector, { count: 3 });
  await options.keyboard.down('Control');
  await options.keyboard.press('a');
  await options.keyboard.up('Control');
  await options.keyboard.press('Backspace');
  await options.type(selector, value);
}

/** Tests `serverUrl` with `token` as a user does: types both, clicks, reads the verdict. */
async function testWith(serverUrl: string, token = 'popline-demo'): Promise<{ outcome: string; text: string }> {
  await fill('[name="connection.serverUrl"]', serverUrl);
  await fill('[name="connection.extension"]', '1001');
  await fill('[name="credential.token"]', token);
  // Clear the last verdict, so the one read is this test's.
  await options.$eval('.test-result', (e) => e.setAttribute('data-outcome', ''));
  await options.click('[name="testConnection"]');
  await waitFor(async () => (await options.$eval('.test-result', (e) => e.getAttribute('data-outcome'))) !== '', {
    what: 'the test result',
    timeout: 20_000,
  });
  return options.$eval('.test-result', (e) => ({
    outcome: e.getAttribute('data-outcome') ?? '',
    text: e.textContent ?? '',
  }));
}

/** A port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An ordinary web server: answers every request with a page, WebSocket or not. */
async function webServer(): Promise<TestServer> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<h1>Intranet</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('connected: the server names the user and what the token may do', async () => {
  const result = await testWith(sim.ctiUrl);
  expect(result.outcome).toBe('connected');
  expect(result.text).toContain('Connected as Demo Agent. These settings work.');
});

test('denied: the token is refused', async () => {
  const result = await testWith(sim.ctiUrl, 'not-the-token');
  expect(result.outcome).toBe('denied');
  expect(result.text).toContain('Access denied');
});

test('unreachable: nothing listens at the address', async () => {
  const result = await testWith(`ws://127.0.0.1:${await closedPort()}/cti`);
  expect(result.outcome).toBe('unreachable');
  expect(result.text).toContain('nothing answers at this address');
});

test('timed out: the server takes the connection and never answers', async () => {
  const silent = await silentServer();
  servers.push(silent);
  const result = await testWith(`ws://127.0.0.1:${silent.port}/cti`);
  expect(result.outcome).toBe('timeout');
  expect(result.text).toContain('Timed out: the server did not answer in time.');
});

test('not a PopLine server: a web server answers at the address', async () => {
  const web = await webServer();
  servers.push(web);
  const result = await testWith(`ws://127.0.0.1:${web.port}/cti`);
  expect(result.outcome).toBe('notPopline');
  expect(result.text).toContain('it is not a PopLine server');
});

test('TLS not trusted: a wss:// server whose certificate this browser does not trust', async () => {
  const certificate = selfSignedCertificate();
  if (!certificate) throw new Error('openssl is needed for this test (.ci/run installs it)');
  const tls = await untrustedTlsServer(certificate);
  servers.push(tls);
  const result = await testWith(`wss://127.0.0.1:${tls.port}/cti`);
  expect(result.outcome).toBe('tls');
  expect(result.text).toContain('its TLS certificate is not trusted by this browser');
  expect(result.text).toContain(`https://127.0.0.1:${tls.port}/`);
});

test('a test saves nothing', async () => {
  const stored = await (await chromium.worker()).evaluate(() => chrome.storage.local.get(['settings', 'credentials']));
  expect(stored).toEqual({});
});
