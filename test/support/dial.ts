/** Helpers for the click-to-dial end-to-end tests: fixture pages over HTTP and PopLine's layer. */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { ROOT } from './browsers';

export interface FixtureServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

/** Serves test/fixtures/dial/ (and a generated page per request to /generated/<name>). */
export async function serveDialFixtures(
  host = '127.0.0.1',
  generated: Record<string, () => string> = {},
): Promise<FixtureServer> {
  const dir = join(ROOT, 'test/fixtures/dial');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const page = path.startsWith('/generated/') ? generated[path.slice('/generated/'.length)] : undefined;
    const body = page ? Promise.resolve(page()) : readFile(join(dir, path.replace(/[^\w.-]/g, '')), 'utf8');
    body.then(
      (html) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        response.end(html);
      },
      () => {
        response.writeHead(404);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DialLayer {
  /** The call button next to a hovered number, with its label. */
  button: (Box & { label: string }) | null;
  bubble: { kind: string; error: boolean; title: string; text: string; confirm: Box | null; close: Box | null } | null;
}

/**
 * Reads PopLine's dialing layer from its closed shadow root over the DevTools protocol (page
 * scripts cannot reach it).
 */
export async function readDialLayer(page: Page): Promise<DialLayer> {
  const session: CDPSession = await page.createCDPSession();
  try {
    const { root } = await session.send('DOM.getDocument', { depth: -1, pierce: true });
    type Node = { nodeName: string; backendNodeId: number; children?: Node[]; shadowRoots?: Node[] };
    const find = (node: Node): Node | undefined => {
      if (node.nodeName === 'POPLINE-DIAL') return node.shadowRoots?.[0];
      for (const child of node.children ?? []) {
        const found = find(child);
        if (found) return found;
      }
      return undefined;
    };
    const shadow = find(root as Node);
    if (!shadow) return { button: null, bubble: null };
    const { object } = await session.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId });
    const { result } = await session.send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      returnByValue: true,
      functionDeclaration: `function () {
        const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
        const call = this.querySelector('.call');
        const bubble = this.querySelector('.bubble');
        return {
          button: call ? { ...box(call), label: call.getAttribute('aria-label') } : null,
          bubble: bubble ? {
            kind: bubble.classList.contains('confirm') ? 'confirm' : 'toast',
            error: bubble.classList.contains('error'),
            title: bubble.querySelector('.title')?.textContent ?? '',
            text: bubble.querySelector('.text')?.textContent ?? '',
            confirm: box(bubble.querySelector('.action.primary')),
            close: box(bubble.querySelector('.close')),
          } : null,
        };
      }`,
    });
    return result.value as DialLayer;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** The viewport box of an element's text (the number itself, not its cell). */
export function textBox(page: Page, selector: string): Promise<Box> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel);
    if (!element?.firstChild) throw new Error(`no text in ${sel}`);
    const range = document.createRange();
    range.selectNodeContents(element);
    const r = range.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }, selector);
}

export const centre = (box: Box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
