/** One setting's control, chosen by its spec; locked settings are shown but cannot change. */
import { useEffect, useState } from 'preact/hooks';
import { countryChoices } from '../ui/format';
import { t, tOptional } from '../ui/messenger';
import { countries, type FieldSpec, labelKey, specFor } from './fields';

export interface FieldProps {
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  locked: boolean;
  error?: string;
}

/** Preact's input types reject a `type` that is a union; spread, it is just an attribute. */
const inputType = (type: string): Record<string, string> => ({ type });

const fieldId = (path: string) => `field-${path.replace(/\./g, '-')}`;

export function Field({ path, value, onChange, locked, error }: FieldProps) {
  const spec = specFor(path);
  const id = fieldId(path);
  const help = tOptional(`${labelKey(path)}_help`);
  const describedBy = [help ? `${id}-help` : '', error ? `${id}-error` : '', locked ? `${id}-locked` : '']
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name: path,
    disabled: locked,
    'aria-invalid': !!error,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
  };
  const control = <Control spec={spec} value={value} onChange={onChange} common={common} />;
  return (
    <div class={`field field-${spec.kind}${locked ? ' locked' : ''}`} data-path={path}>
      {spec.kind === 'checkbox' ? (
        <label for={id} class="check">
          {control}
          <span>{t(labelKey(path))}</span>
        </label>
      ) : (
        <>
          <label for={id}>{t(labelKey(path))}</label>
          {control}
        </>
      )}
      {help ? (
        <p id={`${id}-help`} class="help">
          {help}
        </p>
      ) : null}
      {locked ? (
        <p id={`${id}-locked`} class="lock-note">
          <span aria-hidden="true">🔒 </span>
          {t('lockedByPolicy')}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

type Common = Record<string, unknown> & { id: string; name: string; disabled: boolean };

function Control({
  spec,
  value,
  onChange,
  common,
}: {
  spec: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  common: Common;
}) {
  switch (spec.kind) {
    case 'checkbox':
      return (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'number':
      return (
        <span class="with-unit">
          <input
            {...common}
            type="number"
            min={spec.min}
            max={spec.max}
            step={spec.step ?? 1}
            value={typeof value === 'number' && Number.isFinite(value) ? String(value) : ''}
            onInput={(e) => onChange(e.currentTarget.value === '' ? Number.NaN : Number(e.currentTarget.value))}
          />
          {spec.unit ? <span class="unit">{t(spec.unit)}</span> : null}
        </span>
      );
    case 'select':
      return (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {spec.choices.map((choice) => (
            <option key={choice} value={choice}>
              {t(`${spec.labelPrefix}${choice}`)}
            </option>
          ))}
        </select>
      );
    case 'country':
      return (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {countryChoices(countries()).map(({ code, name }) => (
            <option key={code} value={code}>
              {`${name} (${code})`}
            </option>
          ))}
        </select>
      );
    case 'lines':
      return <LinesInput common={common} value={Array.isArray(value) ? (value as string[]) : []} onChange={onChange} />;
    case 'json':
      return <JsonInput common={common} value={value} onChange={onChange} />;
    case 'custom':
      return null;
    default:
      return (
        <input
          {...common}
          {...inputType(spec.type ?? 'text')}
          spellcheck={false}
          autocomplete="off"
          placeholder={spec.placeholder}
          value={typeof value === 'string' ? value : ''}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** One entry per line; the text is kept as typed (a new empty line stays) until it changes outside. */
function LinesInput({ common, value, onChange }: { common: Common; value: string[]; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(value.join('\n'));
  useEffect(() => {
    if (parseLines(text).join('\n') !== value.join('\n')) setText(value.join('\n'));
  }, [value.join('\n')]);
  return (
    <textarea
      {...common}
      rows={3}
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        onChange(parseLines(e.currentTarget.value));
      }}
    />
  );
}

/** A structured setting without a tailored control: edited as JSON. */
function JsonInput({ common, value, onChange }: { common: Common; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(JSON.stringify(value, null, 2));
  return (
    <textarea
      {...common}
      rows={4}
      spellcheck={false}
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        try {
          onChange(JSON.parse(e.currentTarget.value));
        } catch {
          onChange(undefined);
        }
      }}
    />
  );
}
