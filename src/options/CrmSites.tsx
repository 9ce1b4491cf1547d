/**
 * The CRM sites: where cards, number detection and `tel:` link handling run. Each site is a
 * match pattern the browser must allow (an optional host permission); PopLine's content
 * script is registered for the allowed ones only, so nothing runs on other sites.
 */
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import type { CrmSite } from '../shared/settings';
import { isValidPattern } from '../shared/settings/matchPattern';
import { t } from '../ui/messenger';
import { hasOrigin, requestOrigins } from './permissions';

const SWITCHES = ['card', 'detect', 'links'] as const;

/** What the user typed, as a match pattern: a URL becomes its site (`https://crm.example.com/*`). */
export function toPattern(input: string): string | null {
  const text = input.trim();
  // A pattern has a wildcard; anything else is an address of the site.
  if (text.includes('*')) return isValidPattern(text) ? text : null;
  const url = /^[a-z][\w+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (!/^https?:$/.test(parsed.protocol) || !parsed.hostname) return null;
  const pattern = `${parsed.protocol}//${parsed.hostname}/*`;
  return isValidPattern(pattern) ? pattern : null;
}

/** Whether the browser allows each pattern; refreshed when permissions change anywhere. */
function useAllowed(patterns: string[]): Record<string, boolean> {
  const [allowed, setAllowed] = useState<Record<string, boolean>>({});
  const key = patterns.join('\n');
  useEffect(() => {
    let live = true;
    const refresh = async () => {
      const entries = await Promise.all(patterns.map(async (p) => [p, await hasOrigin(p)] as const));
      if (live) setAllowed(Object.fromEntries(entries));
    };
    void refresh();
    const listener = () => void refresh();
    browser.permissions.onAdded.addListener(listener);
    browser.permissions.onRemoved.addListener(listener);
    return () => {
      live = false;
      browser.permissions.onAdded.removeListener(listener);
      browser.permissions.onRemoved.removeListener(listener);
    };
  }, [key]);
  return allowed;
}

export interface CrmSitesProps {
  sites: CrmSite[];
  onChange: (sites: CrmSite[]) => void;
  locked: boolean;
}

export function CrmSites({ sites, onChange, locked }: CrmSitesProps) {
  const [adding, setAdding] = useState('');
  const [problem, setProblem] = useState('');
  const allowed = useAllowed(sites.map((site) => site.pattern));

  const update = (index: number, patch: Partial<CrmSite>) =>
    onChange(sites.map((site, i) => (i === index ? { ...site, ...patch } : site)));

  const add = (event: Event) => {
    event.preventDefault();
    const pattern = toPattern(adding);
    if (!pattern) return setProblem(t('siteInvalid'));
    if (sites.some((site) => site.pattern === pattern)) return setProblem(t('siteDuplicate', pattern));
    setProblem('');
    setAdding('');
    onChange([...sites, { pattern, card: true, detect: true, links: true }]);
    // Asked now, from the click: the site works as soon as the settings are saved.
    void requestOrigins([pattern]);
  };

  return (
    <div class="crm-sites" data-path="crm.sites">
      <p class="help">{t('sitesHelp')}</p>
      {locked ? (
        <p class="lock-note">
          <span aria-hidden="true">🔒 </span>
          {t('lockedByPolicy')}
        </p>
      ) : null}
      <table class="sites">
        <thead>
          <tr>
            <th scope="col">{t('sitePattern')}</th>
            {SWITCHES.map((name) => (
              <th key={name} scope="col">
                {t(`site_${name}`)}
              </th>
            ))}
            <th scope="col">{t('siteAccess')}</th>
            <th scope="col">
              <span class="sr-only">{t('siteRemove')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sites.map((site, index) => (
            <tr key={`${index}:${site.pattern}`} data-pattern={site.pattern}>
              <td>
                <input
                  name={`crm.sites.${index}.pattern`}
                  aria-label={t('sitePattern')}
                  value={site.pattern}
                  disabled={locked}
                  spellcheck={false}
                  aria-invalid={!isValidPattern(site.pattern)}
                  onChange={(e) => update(index, { pattern: e.currentTarget.value.trim() })}
                />
              </td>
              {SWITCHES.map((name) => (
                <td key={name}>
                  <input
                    type="checkbox"
                    name={`crm.sites.${index}.${name}`}
                    aria-label={t(`site_${name}_for`, site.pattern)}
                    checked={site[name]}
                    disabled={locked}
                    onChange={(e) => update(index, { [name]: e.currentTarget.checked })}
                  />
                </td>
              ))}
              <td class="access">
                {allowed[site.pattern] ? (
                  <span class="ok">{t('siteAllowed')}</span>
                ) : (
                  <button
                    type="button"
                    class="small"
                    disabled={!isValidPattern(site.pattern)}
                    onClick={() => void requestOrigins([site.pattern])}
                  >
                    {t('siteAllow')}
                  </button>
                )}
              </td>
              <td>
                <button
                  type="button"
                  class="small"
                  disabled={locked}
                  aria-label={t('siteRemoveFor', site.pattern)}
                  onClick={() => onChange(sites.filter((_, i) => i !== index))}
                >
                  {t('siteRemove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {locked ? null : (
        <div class="add-site">
          <label for="add-site">{t('siteAdd')}</label>
          <div class="row">
            <input
              id="add-site"
              name="addSite"
              placeholder="https://crm.example.com/*"
              spellcheck={false}
              value={adding}
              onInput={(e) => setAdding(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') add(e);
              }}
            />
            <button type="button" onClick={add}>
              {t('siteAddButton')}
            </button>
          </div>
          {problem ? (
            <p class="field-error" role="alert">
              {problem}
            </p>
          ) : null}
        </div>
      )}
    </div>
  );
}
