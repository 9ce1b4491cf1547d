/**
 * What the agent has typed into a card's note form but not saved yet (storage.session
 * `noteDrafts`, which content scripts cannot read). The entry frame sends its draft as the agent
 * types, so a frame that reloads (the card moved in the page, the tab was re-pushed) or a
 * stopped worker loses no word. A saved note clears its draft.
 */
import { isRecord } from '../../shared/guard';
import { MAX_DISPOSITION, MAX_NOTE } from '../../shared/history/noteLimits';
import { sessionValue } from '../storage';

export interface Draft {
  sessionId: string;
  note: string;
  disposition: string;
  at: number;
}

/** Drafts kept at most (the oldest go first): an agent writes a handful at a time. */
export const MAX_DRAFTS = 20;

const parseDrafts = (stored: unknown): Draft[] =>
  Array.isArray(stored)
    ? stored
        .filter(
          (d): d is Draft =>
            isRecord(d) &&
            typeof d.sessionId === 'string' &&
            typeof d.note === 'string' &&
            d.note.length <= MAX_NOTE &&
            typeof d.disposition === 'string' &&
            d.disposition.length <= MAX_DISPOSITION &&
            typeof d.at === 'number',
        )
        .slice(-MAX_DRAFTS)
    : [];

const drafts = sessionValue('noteDrafts', parseDrafts);

export const readDraft = async (sessionId: string): Promise<Draft | undefined> =>
  (await drafts.load()).find((d) => d.sessionId === sessionId);

export const saveDraft = (draft: Draft): Promise<void> =>
  drafts.update(
    () => undefined,
    (list) => [...list.filter((d) => d.sessionId !== draft.sessionId), draft].slice(-MAX_DRAFTS),
  );

export const clearDraft = (sessionId: string): Promise<void> =>
  drafts.update(
    () => undefined,
    (list) => list.filter((d) => d.sessionId !== sessionId),
  );
