/**
 * A small, strict XML reader for the Ozeki HTTP API's answers. It runs in the service worker,
 * which has no DOMParser. It reads elements, attributes, text, the five named entities,
 * character references, CDATA, comments and processing instructions; namespace prefixes are
 * kept in `qname` and dropped in `name`. It refuses DOCTYPEs (no entity expansion), unknown
 * entities, mismatched tags and anything after the root element, and tells a document that
 * was cut off (`truncated`) from one that is broken. It never throws and never recurses, so
 * no input can hang it or overflow the stack.
 */

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  /** Name as written, with its prefix. */
  qname: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export type XmlResult = { ok: true; root: XmlElement } | { ok: false; error: string; truncated: boolean };

export const XML_LIMITS = { chars: 8 * 1024 * 1024, depth: 64, attributes: 64 } as const;

class XmlError extends Error {
  constructor(
    message: string,
    readonly truncated = false,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7\u00C0-\uFFFF-]*/y;
const SPACE = /[ \t\r\n]*/y;

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Replaces entity and character references; throws on an unknown or malformed one. */
function decode(text: string, where: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,32});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError(`an unterminated "&" in ${where}`);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      const digits = ref[1] === 'x' ? /^#x[0-9a-fA-F]{1,6}$/ : /^#\d{1,7}$/;
      if (!digits.test(ref) || !(code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0x10ffff))) {
        throw new XmlError(`a bad character reference "&${ref};" in ${where}`);
      }
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[ref];
    if (value === undefined) throw new XmlError(`an unknown entity "&${ref};" in ${where}`);
    return value;
  });
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.test(this.text);
    this.pos = SPACE.lastIndex;
  }

  /** Moves past `end`, returning what was before it; EOF first means the document was cut off. */
  until(end: string, what: string): string {
    const at = this.text.indexOf(end, this.pos);
    if (at < 0) throw new XmlError(`the document ends inside ${what}`, true);
    const body = this.text.slice(this.pos, at);
    this.pos = at + end.length;
    return body;
  }

  name(what: string): string {
    if (this.done) throw new XmlError(`the document ends before ${what}`, true);
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    if (!match) throw new XmlError(`expected ${what} at character ${this.pos}`);
    this.pos = NAME.lastIndex;
    return match[0];
  }

  expect(char: string, what: string): void {
    if (this.done) throw new XmlError(`the document ends inside ${what}`, true);
    if (this.text[this.pos] !== char) throw new XmlError(`expected "${char}" in ${what} at character ${this.pos}`);
    this.pos += 1;
  }
}

/** Skips comments, processing instructions and the XML declaration; refuses a DOCTYPE. */
function skipMisc(reader: Reader): boolean {
  if (reader.startsWith('<!--')) {
    reader.pos += 4;
    const body = reader.until('-->', 'a comment');
    if (body.includes('--')) throw new XmlError('"--" inside a comment');
    return true;
  }
  if (reader.startsWith('<?')) {
    reader.pos += 2;
    reader.until('?>', 'a processing instruction');
    return true;
  }
  if (reader.startsWith('<!DOCTYPE') || reader.startsWith('<!doctype')) {
    throw new XmlError('a DOCTYPE is not accepted (this looks like a web page, not an API answer)');
  }
  return false;
}

function readAttributes(reader: Reader, qname: string): { attributes: Record<string, string>; selfClosing: boolean } {
  const attributes: Record<string, string> = Object.create(null);
  let count = 0;
  for (;;) {
    const before = reader.pos;
    reader.skipSpace();
    if (reader.done) throw new XmlError(`the document ends inside the tag <${qname}>`, true);
    if (reader.startsWith('/>')) {
      reader.pos += 2;
      return { attributes, selfClosing: true };
    }
    if (reader.startsWith('>')) {
      reader.pos += 1;
      return { attributes, selfClosing: false };
    }
    if (reader.pos === before) throw new XmlError(`expected a space before an attribute in <${qname}>`);
    const name = reader.name(`an attribute name in <${qname}>`);
    reader.skipSpace();
    reader.expect('=', `the attribute ${name}`);
    reader.skipSpace();
    const quote = reader.text[reader.pos];
    if (reader.done) throw new XmlError(`the document ends inside the attribute ${name}`, true);
    if (quote !== '"' && quote !== "'") throw new XmlError(`the value of attribute ${name} is not quoted`);
    reader.pos += 1;
    const raw = reader.until(quote, `the attribute ${name}`);
    if (raw.includes('<')) throw new XmlError(`"<" inside the attribute ${name}`);
    if (Object.hasOwn(attributes, name)) throw new XmlError(`attribute ${name} appears twice in <${qname}>`);
    count += 1;
    if (count > XML_LIMITS.attributes)
      throw new XmlError(`more than ${XML_LIMITS.attributes} attributes in <${qname}>`);
    attributes[name] = decode(raw, `the attribute ${name}`).replace(/[\t\r\n]/g, ' ');
  }
}

function parseDocument(text: string): XmlElement {
  const reader = new Reader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  for (;;) {
    const open = stack[stack.length - 1];
    if (!open) {
      reader.skipSpace();
      if (reader.done) {
        if (root) return root;
        throw new XmlError(text.trim() ? 'no root element' : 'the answer is empty', !text.trim());
      }
      if (skipMisc(reader)) continue;
      if (root) throw new XmlError(`content after the root element at character ${reader.pos}`);
      if (reader.text[reader.pos] !== '<') throw new XmlError('the answer does not start with an XML tag');
      root = openTag(reader, stack);
      continue;
    }
    if (reader.done) throw new XmlError(`the document ends inside <${open.qname}>`, true);
    const lt = reader.text.indexOf('<', reader.pos);
    if (lt < 0) throw new XmlError(`the document ends inside <${open.qname}>`, true);
    if (lt !== reader.pos) {
      const raw = reader.text.slice(reader.pos, lt);
      if (raw.includes(']]>')) throw new XmlError('"]]>" in text');
      pushText(open, decode(raw, `the text of <${open.qname}>`));
      reader.pos = lt;
      continue;
    }
    if (reader.startsWith('</')) {
      reader.pos += 2;
      const name = reader.name('a closing tag name');
      reader.skipSpace();
      reader.expect('>', `the closing tag </${name}>`);
      if (name !== open.qname) throw new XmlError(`</${name}> closes <${open.qname}>`);
      stack.pop();
      continue;
    }
    if (reader.startsWith('<![CDATA[')) {
      reader.pos += 9;
      pushText(open, reader.until(']]>', 'a CDATA section'));
      continue;
    }
    if (skipMisc(reader)) continue;
    if (reader.startsWith('<!')) throw new XmlError(`unexpected markup at character ${reader.pos}`);
    open.children.push(openTag(reader, stack));
  }
}

function openTag(reader: Reader, stack: XmlElement[]): XmlElement {
  reader.pos += 1;
  const qname = reader.name('an element name');
  const { attributes, selfClosing } = readAttributes(reader, qname);
  const element: XmlElement = { name: localName(qname), qname, attributes, children: [] };
  if (!selfClosing) {
    if (stack.length >= XML_LIMITS.depth) throw new XmlError(`elements nested deeper than ${XML_LIMITS.depth}`);
    stack.push(element);
  }
  return element;
}

function pushText(element: XmlElement, text: string): void {
  if (!text) return;
  const last = element.children.length - 1;
  const previous = element.children[last];
  if (typeof previous === 'string') element.children[last] = previous + text;
  else element.children.push(text);
}

/** Parses an XML document. Never throws. */
export function parseXml(text: unknown): XmlResult {
  if (typeof text !== 'string') return { ok: false, error: 'the answer is not text', truncated: false };
  if (text.length > XML_LIMITS.chars) {
    return { ok: false, error: `the answer is larger than ${XML_LIMITS.chars} characters`, truncated: false };
  }
  try {
    return { ok: true, root: parseDocument(text) };
  } catch (error) {
    if (error instanceof XmlError) return { ok: false, error: error.message, truncated: error.truncated };
    return { ok: false, error: `unreadable XML (${String(error)})`, truncated: false };
  }
}

/** Child elements, optionally only those with a local name (compared case-insensitively). */
export function children(element: XmlElement, name?: string): XmlElement[] {
  const wanted = name?.toLowerCase();
  return element.children.filter(
    (child): child is XmlElement => typeof child !== 'string' && (!wanted || child.name.toLowerCase() === wanted),
  );
}

export const child = (element: XmlElement, name: string): XmlElement | undefined => children(element, name)[0];

/** All the text inside an element, trimmed. */
export function textOf(element: XmlElement | undefined): string {
  if (!element) return '';
  const parts: string[] = [];
  const pending: XmlNode[] = [...element.children].reverse();
  while (pending.length) {
    const node = pending.pop() as XmlNode;
    if (typeof node === 'string') parts.push(node);
    else pending.push(...[...node.children].reverse());
  }
  return parts.join('').trim();
}

/** The text of a child element, or undefined when there is no such child. */
export function childText(element: XmlElement, name: string): string | undefined {
  const found = child(element, name);
  return found ? textOf(found) : undefined;
}
