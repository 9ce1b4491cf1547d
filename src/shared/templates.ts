/**
 * URL templates for the CRM (docs/crm.md): `{placeholder}`s filled with URL-encoded values.
 * Only http(s) results count, and the template fixes the address's origin: a value (from the
 * PBX, or from a lookup answer) can change the path or query, never the site it goes to.
 * No libphonenumber here: the content script and the options page use this file too.
 */

/** The placeholders every template may use. */
export const PLACEHOLDERS = [
  'number',
  'e164',
  'e164digits',
  'national',
  'digits',
  'name',
  'sessionId',
  'extension',
  'direction',
] as const;
/** Only in the record template: the id of the record the lookup found. */
export const RECORD_ID = 'id';

export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string> & { id?: string };

export const MAX_TEMPLATE_LENGTH = 2048;

const TOKEN = /\{([^{}]*)\}/g;
/** Scheme and host (and port), then the end or a path, query or fragment. No user info, no placeholder. */
const FIXED_ORIGIN = /^(https?:\/\/[^/?#{}\s@\\]+)(?:[/?#]|$)/i;

/** encodeURIComponent, and the few characters it leaves alone that mean something in queries. */
export const encodeValue = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The text as an absolute http(s) address (relative to `base`), or null. */
export function safeHttpUrl(text: string, base?: string): string | null {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** The placeholder names a template uses, in order (repeats kept). */
export const placeholdersIn = (template: string): string[] => [...template.matchAll(TOKEN)].map((m) => m[1] ?? '');

export const usesRecordId = (template: string) => placeholdersIn(template).includes(RECORD_ID);

/** The origin a template's addresses always have, or null when the template does not fix one. */
export function templateOrigin(template: string): string | null {
  const match = FIXED_ORIGIN.exec(template.trim());
  if (!match?.[1]) return null;
  try {
    return new URL(match[1]).origin;
  } catch {
    return null;
  }
}

const SAMPLE: TemplateValues = {
  number: '+1 (212) 555-0198',
  e164: '+12125550198',
  e164digits: '12125550198',
  national: '(212) 555-0198',
  digits: '12125550198',
  name: 'Émilie O’Neil & Co',
  sessionId: 's-1',
  extension: '1001',
  direction: 'inbound',
  id: 'r-1',
};

export type TemplateProblem = 'tooLong' | 'notHttp' | 'originNotFixed' | 'unknownPlaceholder';

/** Why a template cannot be used, or null when it can. An empty template is "not set", and fine. */
export function templateProblem(template: string, { allowRecordId = false } = {}): TemplateProblem | null {
  if (template === '') return null;
  if (template.length > MAX_TEMPLATE_LENGTH) return 'tooLong';
  const known = new Set<string>([...PLACEHOLDERS, ...(allowRecordId ? [RECORD_ID] : [])]);
  if (placeholdersIn(template).some((name) => !known.has(name))) return 'unknownPlaceholder';
  if (!/^https?:\/\//i.test(template.trim())) return 'notHttp';
  if (!templateOrigin(template)) return 'originNotFixed';
  return fillTemplate(template, SAMPLE) ? null : 'notHttp';
}

/**
 * The address for these values, or null when a placeholder has no value or the result is not
 * an http(s) address on the template's own origin.
 */
export function fillTemplate(template: string, values: Partial<TemplateValues>): string | null {
  const origin = templateOrigin(template);
  if (!origin) return null;
  let missing = false;
  const filled = template.trim().replace(TOKEN, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as keyof TemplateValues] : undefined;
    if (value === undefined) missing = true;
    return encodeValue(value ?? '');
  });
  if (missing) return null;
  const url = safeHttpUrl(filled);
  return url && new URL(url).origin === origin ? url : null;
}
