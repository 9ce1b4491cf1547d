/**
 * Every locale's words fit the caller card: the real card components (Card, CardStack) and their
 * CSS, bundled here with a stand-in for the browser's i18n, are drawn in real Chromium at the
 * card's width in every state (each call state and end, lookups, controls, the transfer and note
 * forms, "N more calls", a pill), one locale after another in one page. A word that is clipped
 * (cut off or ellipsised), a placeholder cut off, or anything pushed out of the card fails the test
 * (text that wraps onto another line is still readable, and passes). A made-up
 * locale with over-long words shows that the check finds them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import chromium from '../../scripts/chromium.json';
import { CHROMIUM_PATH, ROOT } from '../support/browsers';

jest.setTimeout(120_000);

type Messages = Record<string, { message: string }>;
const LOCALES = join(ROOT, 'extension/_locales');
const readLocale = (folder: string) =>
  JSON.parse(readFileSync(join(LOCALES, folder, 'messages.json'), 'utf8')) as Messages;
const folders = readdirSync(LOCALES).sort();

/**
 * The card's components, with the browser's i18n (src/webext: `browser` when it has
 * runtime.sendMessage) replaced by messages the test sets; the polyfill too, for any importer left.
 */
async function bundle(): Promise<string> {
  const shim = `
    const state = { messages: {}, ui: 'en' };
    globalThis.__poplineI18n = state;
    const api = {
      runtime: { sendMessage: async () => undefined },
      i18n: {
        getMessage(key, subs = []) {
          const list = Array.isArray(subs) ? subs : [subs];
          const entry = state.messages[key];
          return entry ? entry.message.replace(/\\$(\\d)/g, (_, n) => list[Number(n) - 1] ?? '') : '';
        },
        getUILanguage: () => state.ui,
      },
    };
    globalThis.browser = api;
    export default api;`;
  const result = await esbuild.build({
    stdin: {
      contents: `
        import 'webextension-polyfill';
        import { h, render } from 'preact';
        import { Card } from './src/content/cards/Card';
        import { CardStack } from './src/content/cards/CardStack';
        import { CARD_CSS } from './src/content/cards/styles';
        import { NoteForm } from './src/ui/NoteForm';
        import { TransferForm } from './src/ui/TransferForm';
        globalThis.PopLineTest = { h, render, Card, CardStack, CARD_CSS, NoteForm, TransferForm };`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    target: 'chrome116',
    logLevel: 'silent',
    plugins: [
      {
        name: 'i18n-shim',
        setup(build) {
          build.onResolve({ filter: /^webextension-polyfill$/ }, () => ({ path: 'shim', namespace: 'shim' }));
          build.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({ contents: shim, loader: 'js' }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * Draws every case of one locale into the page (in the browser). Each case is a cell with a
 * `data-case` name holding a `.stack`, as the content script draws it.
 */
function drawLocale(folder: string, messages: Messages, now: number): void {
  // biome-ignore lint/suspicious/noExplicitAny: the bundle's globals, untyped in the page.
  const w = window as any;
  const { h, render, Card, CardStack, CARD_CSS, NoteForm, TransferForm } = w.PopLineTest;
  w.__poplineI18n.messages = messages;
  w.__poplineI18n.ui = folder.replace('_', '-');
  const actions = {
    close() {},
    minimise() {},
    act: async () => null,
    copy: async () => true,
    dragStart() {},
    openRecord: async () => null,
    entryUrl: () => 'about:blank',
    keepOpen() {},
  };
  const hour = 3_723_000;
  const base = { rawState: 'x', stateKnown: true, number: '+442079460958', numberDisplay: '+44 20 7946 0958' };
  const call = (id: string, extra: object) => ({ sessionId: id, startedAt: now - hour, ...base, ...extra });
  const match = (name: string) => ({ name, company: 'Acme', hasRecord: true });
  const cards: Record<string, object> = {
    ringing: call('ringing', { phase: 'ringing', direction: 'inbound', lookup: { state: 'pending' } }),
    connected: call('connected', {
      phase: 'connected',
      direction: 'inbound',
      name: 'Ana Silva',
      answeredAt: now - hour,
      lookup: { state: 'found', matches: [{ ...match('Ana Silva'), note: 'VIP' }] },
    }),
    held: call('held', {
      phase: 'held',
      direction: 'outbound',
      name: 'Ana Silva',
      answeredAt: now - hour,
      transferredFrom: 'Bruno Costa',
      lookup: { state: 'none', canCreate: true },
    }),
    transferring: call('transferring', {
      phase: 'transferring',
      direction: 'internal',
      answeredAt: now - hour,
      lookup: { state: 'failed', problem: 'noTab' },
    }),
    setup: call('setup', { phase: 'setup', direction: 'outbound', lookup: { state: 'failed', problem: 'timeout' } }),
    unknownState: call('unknownState', {
      phase: 'connected',
      stateKnown: false,
      rawState: '',
      direction: 'inbound',
      lookup: { state: 'failed', problem: 'failed' },
    }),
    ...Object.fromEntries(
      [2, 3, 5, 22].map((total) => [
        `several${total}`,
        call(`several${total}`, {
          phase: 'ringing',
          direction: 'inbound',
          lookup: { state: 'found', total, matches: [match('Ana Silva'), match('Ana Sousa')] },
        }),
      ]),
    ),
    ...Object.fromEntries(
      ['answered', 'missed', 'unanswered', 'rejected', 'busy', 'failed'].map((reason) => [
        `ended-${reason}`,
        call(`ended-${reason}`, {
          phase: 'ended',
          direction: 'inbound',
          endReason: reason,
          endedAt: now,
          ...(reason === 'answered' ? { answeredAt: now - hour } : {}),
        }),
      ]),
    ),
  };
  // The same card again, with the entry frame open for a transfer and a note (by clicks), and
  // with a note saved (the frame tells the card).
  cards.transfer = { ...cards.connected, sessionId: 'transfer' };
  cards.noting = { ...cards.connected, sessionId: 'noting' };
  cards.noted = { ...cards.held, sessionId: 'noted' };
  const root = document.createElement('div');
  root.id = 'locale';
  root.style.cssText = 'display: flex; flex-wrap: wrap; gap: 16px; padding: 8px; width: 1300px;';
  document.body.replaceChildren(root);
  const shadow = root.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = `${CARD_CSS} .cell { width: 310px; }`;
  shadow.append(style);
  const cell = (name: string) => {
    const element = document.createElement('div');
    element.className = 'cell';
    element.dataset.case = name;
    shadow.append(element);
    return element;
  };
  const props = { now, fading: false, canControl: true, actions };
  for (const [name, view] of Object.entries(cards)) {
    render(h('div', { class: 'stack theme' }, h(Card, { ...props, call: view })), cell(name));
  }
  // The forms the entry frame draws, at the frame's width (the card's body), in the card's CSS.
  const inBody = (form: unknown) =>
    h('div', { class: 'stack theme' }, h('section', { class: 'card' }, h('div', { class: 'body' }, form)));
  const noop = () => undefined;
  render(inBody(h(TransferForm, { busy: false, onSubmit: noop, onCancel: noop })), cell('transferForm'));
  const initial = { note: '', disposition: 'sale' };
  const noteForm = h(NoteForm, {
    initial,
    dispositions: ['callback', 'sale'],
    onSave: async () => true,
    onCancel: noop,
  });
  render(inBody(noteForm), cell('noteForm'));
  // Stacks that fold 1, 3 and 5 calls behind "N more calls", and one to open and to minimise.
  for (const count of [4, 6, 8, 5]) {
    const state = {
      rev: 1,
      canControl: true,
      fadeAfterMs: 60_000,
      cards: Array.from({ length: count }, (_, i) =>
        call(`s${count}-${i}`, { phase: 'ended', direction: 'inbound', endReason: 'missed', endedAt: now }),
      ),
    };
    render(h(CardStack, { state, isDark: () => false, actions }), cell(`stack${count}`));
  }
}

/** The centre of the control with `text` in case `name`, for a real (trusted) click. */
function controlAt(name: string, text: string): { x: number; y: number } | null {
  const shadow = document.getElementById('locale')?.shadowRoot;
  const scope = shadow?.querySelector(`[data-case="${name}"]`);
  const control = [...(scope?.querySelectorAll('button') ?? [])].find(
    (button) => button.textContent?.trim() === text || button.getAttribute('aria-label') === text,
  );
  if (!control) return null;
  const rect = control.getBoundingClientRect();
  return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
}

/** Every clipped or sticking-out string on the page, as "case: what (text)" lines. */
function layoutProblems(): string[] {
  const shadow = document.getElementById('locale')?.shadowRoot;
  const problems: string[] = [];
  const canvas = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
  const describe = (element: Element) =>
    `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} "${(
      element.getAttribute('placeholder') ||
      element.textContent ||
      ''
    )
      .trim()
      .slice(0, 60)}"`;
  for (const cell of shadow?.querySelectorAll<HTMLElement>('[data-case]') ?? []) {
    const name = cell.dataset.case;
    for (const box of cell.querySelectorAll('.card, .pill, .more')) {
      const outer = box.getBoundingClientRect();
      if (outer.width > 300.5) problems.push(`${name}: ${describe(box)} is wider than the card`);
      for (const element of [box, ...box.querySelectorAll('*')]) {
        if (element.closest('.sr, .sr-only') || !element.getClientRects().length) continue;
        const rect = element.getBoundingClientRect();
        if (rect.left < outer.left - 0.5 || rect.right > outer.right + 0.5) {
          problems.push(`${name}: ${describe(element)} sticks out of the card`);
        }
        const isField = element.matches('input, textarea');
        if (
          !isField &&
          getComputedStyle(element).display !== 'inline' &&
          element.scrollWidth > element.clientWidth + 1
        ) {
          problems.push(`${name}: ${describe(element)} is clipped`);
        }
        if (element.matches('input[placeholder]')) {
          const input = element as HTMLInputElement;
          const css = getComputedStyle(input);
          canvas.font = `${css.fontWeight} ${css.fontSize} ${css.fontFamily}`;
          const room = input.clientWidth - Number.parseFloat(css.paddingLeft) - Number.parseFloat(css.paddingRight);
          if (canvas.measureText(input.placeholder).width > room + 0.5) {
            problems.push(`${name}: ${describe(element)} placeholder is clipped`);
          }
        }
      }
    }
  }
  return problems;
}

let browser: Browser;
let page: Page;
let code: string;

beforeAll(async () => {
  code = await bundle();
  browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    pipe: true,
    args: chromium.args,
    defaultViewport: { width: 1320, height: 4000 },
  });
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body style="margin:0"></body></html>');
  await page.addScriptTag({ content: code });
});
afterAll(() => browser?.close());

/** Draws one locale, opens the forms and the folded calls with real clicks, and measures. */
async function problemsOf(folder: string, messages: Messages): Promise<string[]> {
  const now = Date.UTC(2026, 0, 15, 12);
  await page.evaluate(drawLocale, folder, messages, now);
  const t = (key: string) => messages[key]?.message ?? key;
  // Each click waits for its own effect before the next is measured: a card that grows moves the
  // cases below it, and a point measured before the re-render would land on the wrong control.
  const click = async (name: string, text: string, effect: string, content?: string) => {
    const point = await page.evaluate(controlAt, name, text);
    if (!point) throw new Error(`${folder}: no "${text}" in ${name}`);
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(
      (selector: string, wanted: string | null) => {
        const found = document.getElementById('locale')?.shadowRoot?.querySelector(selector);
        return !!found && (wanted === null || found.textContent === wanted);
      },
      {},
      effect,
      content ?? null,
    );
  };
  await click('transfer', t('transfer'), '[data-case="transfer"] iframe.entry-frame');
  await click('noting', t('addNote'), '[data-case="noting"] iframe.entry-frame');
  await click('noted', t('addNote'), '[data-case="noted"] iframe');
  // The note saved in the entry frame: the frame tells the card (from the frame's own window).
  await page.evaluate(() => {
    const frame = document.getElementById('locale')?.shadowRoot?.querySelector('[data-case="noted"] iframe');
    const source = (frame as HTMLIFrameElement).contentWindow;
    const data = { poplineEntry: { type: 'saved', disposition: 'callback', noted: true } };
    window.dispatchEvent(new MessageEvent('message', { data, source }));
  });
  await page.waitForFunction(
    () => !!document.getElementById('locale')?.shadowRoot?.querySelector('[data-case="noted"] .saved-note'),
  );
  await click('stack5', t('showAllCalls'), '[data-case="stack5"] .more', t('showFewerCalls'));
  await click('stack4', t('minimise'), '[data-case="stack4"] .pill');
  await page.waitForFunction(() => {
    const shadow = document.getElementById('locale')?.shadowRoot;
    return (
      !!shadow?.querySelector('[data-case="transfer"] iframe.entry-frame') &&
      !!shadow.querySelector('[data-case="noting"] iframe.entry-frame') &&
      !!shadow.querySelector('[data-case="transferForm"] .transfer input') &&
      !!shadow.querySelector('[data-case="noteForm"] .note-form button.tag')
    );
  });
  return page.evaluate(layoutProblems);
}

test('the check finds clipped and sticking-out words (a made-up locale with long ones)', async () => {
  const en = readLocale('en');
  const broken: Messages = {
    ...en,
    state_ringing: { message: 'Ringingringingringingringingringingringing' },
    transferTo: { message: 'Type the number of the colleague to transfer the call to' },
    unknownCaller: { message: 'A caller whose name the phone system does not know' },
  };
  const problems = await problemsOf('en', broken);
  const about = (text: string, kind: string) =>
    problems.some((line) => line.includes(text.slice(0, 20)) && line.includes(kind));
  expect(about('Ringingringing', 'sticks out')).toBe(true);
  expect(about('Type the number of', 'placeholder is clipped')).toBe(true);
  expect(about('A caller whose name', 'is clipped')).toBe(true);
  // Each of these comes from the long words: English itself has none of them.
  const plain = await problemsOf('en', en);
  expect(plain.filter((line) => /Ringingringing|Type the number of|A caller whose/.test(line))).toEqual([]);
});

test('every locale fits the card', async () => {
  const found: Record<string, string[]> = {};
  for (const folder of folders) found[folder] = await problemsOf(folder, readLocale(folder));
  expect(found).toEqual(Object.fromEntries(folders.map((folder) => [folder, []])));
});
