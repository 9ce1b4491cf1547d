/**
 * What a call's lookup asks and where its addresses may point (docs/crm.md): the search
 * addresses in the order they are tried, the CRM's origins, the "create contact" address.
 * Pure: the background runs it, the unit tests check it.
 */
import type { Call } from '../calls';
import { type CallFacts, lookupVariants, templateValues } from '../phone/forms';
import type { Settings } from '../settings';
import { fillTemplate, templateOrigin, usesRecordId } from '../templates';
import type { MapContext } from './lookupMap';

export interface LookupPlan {
  /** One search address per number format, no duplicates, first tried first. */
  urls: string[];
  /** The lookup's origin: in content-script mode, the CRM tab that runs it must be on it. */
  origin: string;
  context: Omit<MapContext, 'base'>;
}

export function callFacts(call: Call, settings: Settings, name = call.remoteName): CallFacts {
  return {
    number: call.remoteNumber,
    sessionId: call.sessionId,
    extension: settings.connection.extension,
    direction: call.direction,
    ...(name ? { name } : {}),
  };
}

/** Whether lookups are set up at all. */
export const lookupConfigured = (settings: Settings) =>
  settings.lookup.mode !== 'off' && templateOrigin(settings.lookup.urlTemplate) !== null;

/** Origins a record address from a lookup answer may have: those of the CRM addresses the admin set. */
export function crmOrigins(settings: Settings): string[] {
  const templates = [settings.lookup.urlTemplate, settings.record.urlTemplate, settings.record.createTemplate];
  return [...new Set(templates.map(templateOrigin).filter((origin): origin is string => origin !== null))];
}

/** The record address for a looked-up id, when the record template uses `{id}`. */
export function recordUrlFromId(facts: CallFacts, settings: Settings, id: string): string | null {
  const template = settings.record.urlTemplate;
  if (!usesRecordId(template)) return null;
  return fillTemplate(template, { ...templateValues(facts, settings.phone.defaultCountry), id });
}

/** The lookup for a call, or null when there is none (lookups off, an internal call, no real number). */
export function planLookup(facts: CallFacts, settings: Settings): LookupPlan | null {
  if (!lookupConfigured(settings) || facts.direction === 'internal') return null;
  const country = settings.phone.defaultCountry;
  const values = templateValues(facts, country);
  const urls = lookupVariants(facts.number, country)
    .map((number) => fillTemplate(settings.lookup.urlTemplate, { ...values, number }))
    .filter((url): url is string => url !== null);
  const origin = templateOrigin(settings.lookup.urlTemplate);
  if (!urls.length || !origin) return null;
  return {
    urls: [...new Set(urls)],
    origin,
    context: {
      allowedOrigins: crmOrigins(settings),
      recordUrlFromId: (id) => recordUrlFromId(facts, settings, id),
    },
  };
}

/** The "create contact" address for a caller the CRM does not know, or null. */
export function createUrlFor(facts: CallFacts, settings: Settings): string | null {
  const template = settings.record.createTemplate;
  return template ? fillTemplate(template, templateValues(facts, settings.phone.defaultCountry)) : null;
}

/** The record template filled for this call, unless it needs a looked-up id. */
export function templateRecordUrl(facts: CallFacts, settings: Settings): string | null {
  const template = settings.record.urlTemplate;
  if (!template || usesRecordId(template)) return null;
  return fillTemplate(template, templateValues(facts, settings.phone.defaultCountry));
}
