/** Which click-to-dial switches a page gets: those of the CRM sites its address belongs to. */
import type { Settings } from '../settings';
import { matchesPattern } from '../settings/matchPattern';
import type { SiteFeatures } from './messages';

/** The dial switches of the CRM sites this URL belongs to (all off for any other page). */
export function siteFeatures(url: string | undefined, settings: Settings): SiteFeatures {
  const sites = url ? settings.crm.sites.filter((site) => matchesPattern(url, site.pattern)) : [];
  return {
    detect: sites.some((site) => site.detect),
    links: sites.some((site) => site.links),
    country: settings.phone.defaultCountry,
  };
}
