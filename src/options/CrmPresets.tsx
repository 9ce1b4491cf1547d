/**
 * Ready-made CRM templates (shared/crmPresets.ts): choosing one and "Fill in" puts its record,
 * lookup and "create contact" templates into the fields below, to edit before saving. Each
 * part says whether its address form is documented by the vendor or not verified.
 */
import { useState } from 'preact/hooks';
import { applyPreset, CRM_PRESETS, isPartlyUnverified, presetParts } from '../shared/crm/presets';
import type { Settings } from '../shared/settings';
import { t } from '../ui/messenger';

export interface CrmPresetsProps {
  settings: Settings;
  locked: boolean;
  onApply(settings: Settings): void;
}

export function CrmPresets({ settings, locked, onApply }: CrmPresetsProps) {
  const [chosen, setChosen] = useState('');
  const preset = CRM_PRESETS.find((item) => item.id === chosen);
  return (
    <div class="field presets" data-presets="">
      <label for="crm-preset">{t('presetLabel')}</label>
      <div class="row">
        <select id="crm-preset" name="crmPreset" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
          <option value="">{t('presetNone')}</option>
          {CRM_PRESETS.map((item) => (
            <option key={item.id} value={item.id}>
              {isPartlyUnverified(item) ? t('presetPartlyUnverified', item.name) : item.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="small"
          name="applyPreset"
          disabled={!preset || locked}
          onClick={() => preset && onApply(applyPreset(settings, preset))}
        >
          {t('presetApply')}
        </button>
      </div>
      {preset ? (
        <ul class="preset-parts">
          {Object.entries(presetParts(preset)).map(([part, value]) => (
            <li key={part} data-part={part} data-status={value?.status ?? 'missing'}>
              {t(`presetPart_${part}`)}: {t(`presetStatus_${value?.status ?? 'missing'}`)}
            </li>
          ))}
        </ul>
      ) : null}
      <p class="help">{t('presetHint')}</p>
    </div>
  );
}
