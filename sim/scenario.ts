/**
 * Scripted scenarios: JSON lists of steps with delays, e.g.
 *   {"name": "answered", "steps": [{"ring": {"id": "a", "from": "+4930123", "name": "Anna", "to": "{agent}"}},
 *     {"wait": 2000}, {"answer": "a"}, {"wait": 3000}, {"hangup": "a"}]}
 * Step ids are local to one run; `{agent}` is the agent's extension.
 */
import type { Availability } from '../src/shared/protocol';
import type { Pbx, RingOptions } from './pbx';

export type Step =
  | { ring: Omit<RingOptions, 'id'> & { id: string } }
  | { wait: number }
  | { answer: string }
  | { hold: string }
  | { unhold: string }
  | { hangup: string }
  | { miss: string }
  | { busy: string }
  | { reject: string }
  | { transfer: { id: string; to: string; as: string } }
  | { drop: true }
  /** A colleague sets their availability (`forMs`: it ends by itself). */
  | { availability: { ext: string; availability: Availability; note?: string; forMs?: number } }
  /** A colleague sends a message. */
  | { message: { from: string; to: string; content: string } };

export interface Scenario {
  name?: string;
  description?: string;
  steps: Step[];
}

export interface ScenarioHooks {
  drop(): void;
  availability?(ext: string, setting: { availability: Availability; note?: string; until?: string }): unknown;
  message?(from: string, to: string, content: string): unknown;
}

let runs = 0;

export function validateScenario(value: unknown): Scenario {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Scenario).steps)) {
    throw new Error('a scenario is an object with a "steps" list');
  }
  const known = [
    'ring',
    'wait',
    'answer',
    'hold',
    'unhold',
    'hangup',
    'miss',
    'busy',
    'reject',
    'transfer',
    'drop',
    'availability',
    'message',
  ];
  for (const [index, step] of (value as Scenario).steps.entries()) {
    const keys = typeof step === 'object' && step ? Object.keys(step) : [];
    if (keys.length !== 1 || !known.includes(keys[0] as string)) {
      throw new Error(`step ${index + 1}: expected one of ${known.join(', ')}`);
    }
  }
  return value as Scenario;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a scenario to its end; returns the PBX session ids by step id. */
export async function runScenario(
  pbx: Pbx,
  scenario: Scenario,
  { agent = '1001', hooks }: { agent?: string; hooks?: ScenarioHooks } = {},
): Promise<Record<string, string>> {
  runs += 1;
  const run = runs;
  const ids: Record<string, string> = {};
  const sub = (text: string) => text.replaceAll('{agent}', agent);
  const id = (local: string) => {
    const real = ids[local];
    if (!real) throw new Error(`scenario step names unknown call "${local}"`);
    return real;
  };
  for (const step of scenario.steps) {
    if ('wait' in step) await sleep(step.wait);
    else if ('ring' in step) {
      const { id: local, from, to, ...rest } = step.ring;
      ids[local] = pbx.ring({
        ...rest,
        from: sub(from),
        to: sub(to),
        id: `sc${run}-${local}-${Date.now().toString(36)}`,
      }).sessionId;
    } else if ('answer' in step) pbx.answer(id(step.answer));
    else if ('hold' in step) pbx.hold(id(step.hold));
    else if ('unhold' in step) pbx.unhold(id(step.unhold));
    else if ('hangup' in step) pbx.hangup(id(step.hangup));
    else if ('miss' in step) pbx.miss(id(step.miss));
    else if ('busy' in step) pbx.busy(id(step.busy));
    else if ('reject' in step) pbx.reject(id(step.reject));
    else if ('transfer' in step)
      ids[step.transfer.as] = pbx.transfer(id(step.transfer.id), sub(step.transfer.to)).sessionId;
    else if ('drop' in step) hooks?.drop();
    else if ('availability' in step) {
      const { ext, availability, note, forMs } = step.availability;
      await hooks?.availability?.(sub(ext), {
        availability,
        ...(note ? { note } : {}),
        ...(forMs ? { until: new Date(Date.now() + forMs).toISOString() } : {}),
      });
    } else if ('message' in step)
      await hooks?.message?.(sub(step.message.from), sub(step.message.to), step.message.content);
  }
  return ids;
}
