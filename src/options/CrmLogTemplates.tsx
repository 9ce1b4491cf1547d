/**
 * Call logging into the CRM (docs/crm.md): ready-made log templates per CRM ("Fill in", each
 * marked documented or not verified with the endpoint it names), what is wrong with the log
 * settings as a whole (a foreign origin, a bad template), and the request a call would send,
 * filled with example values, so an admin sees what lands in the CRM before saving.
 */
import { useState } from 'preact/hooks';
import { logValues } from '../shared/crm/log/facts';
import { logConfig, logRequest } from '../shared/crm/log/plan';
import { applyLogPreset, LOG_PRESETS } from '../shared/crm/log/presets';
import { SAMPLE } from '../shared/crm/log/template';
import { CRM_PRESETS } from '../shared/crm/presets';
import type { Settings } from '../shared/settings';
import { t } from '../ui/messenger';

export interface CrmLogTemplatesProps {
  settings: Settings;
  locked: boolean;
  onApply(settings: Settings): void;
}

const nameOf = (id: string) => CRM_PRESETS.find((preset) => preset.id === id)?.name ?? id;

/** The example call every preview shows. */
const EXAMPLE = logValues(
  {
    callId: SAMPLE.callId,
    direction: 'inbound',
    number: SAMPLE.number,
    e164: SAMPLE.e164,
    e164digits: SAMPLE.e164digits,
    national: SAMPLE.national,
    digits: SAMPLE.digits,
    name: SAMPLE.name,
    startedAt: Date.parse(SAMPLE.start),
    endedAt: Date.parse(SAMPLE.end),
    talkSeconds: 185,
    outcome: 'answered',
    extension: SAMPLE.extension,
    agentName: SAMPLE.agentName,
    recordingUrl: SAMPLE.recordingUrl,
    recordId: SAMPLE.recordId,
  },
  { note: SAMPLE.note, tag: SAMPLE.tag },
);

export function CrmLogTemplates({ settings, locked, onApply }: CrmLogTemplatesProps) {
  const [chosen, setChosen] = useState('');
  const preset = LOG_PRESETS.find((item) => item.id === chosen);
  const config = logConfig(settings);
  const request = config.ok ? logRequest(config.config, 'create', EXAMPLE) : null;
  return (
    <div class="field presets crm-log-templates" data-crm-log-templates="">
      <label for="crm-log-preset">{t('crmLogPresets')}</label>
      <div class="row">
        <select
          id="crm-log-preset"
          name="crmLogPreset"
          value={chosen}
          onChange={(event) => setChosen(event.currentTarget.value)}
        >
          <option value="">{t('presetNone')}</option>
          {LOG_PRESETS.map((item) => (
            <option key={item.id} value={item.id}>
              {nameOf(item.id)}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="small"
          name="applyCrmLogPreset"
          disabled={!preset || locked}
          onClick={() => preset && onApply(applyLogPreset(settings, preset))}
        >
          {t('crmLogFill')}
        </button>
      </div>
      {preset ? (
        <p class="help" data-status={preset.status}>
          {preset.status === 'documented'
            ? t('crmLogDocumented', `${preset.activity} (${preset.source ?? ''})`)
            : t('crmLogUnverified', preset.activity)}
        </p>
      ) : null}
      {!config.ok && config.problem !== 'off' ? (
        <p class="error" role="alert" data-crm-log-problem={config.problem}>
          {t('crmLogProblem', t(`crmLogProblem_${config.problem}`, config.detail))}
        </p>
      ) : null}
      {request ? (
        <details class="crm-log-example">
          <summary>{t('crmLogExample')}</summary>
          <pre>{`${request.method} ${request.url}\n\n${request.body}`}</pre>
        </details>
      ) : null}
    </div>
  );
}
