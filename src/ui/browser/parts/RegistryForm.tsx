// Add or edit a saved registry: a preset, host, label, credentials (the password is
// never drawn), insecure and a CA file; checked as typed, tested on Ctrl-T, saved on Enter.
import { Box, Text, useInput, type Key } from 'ink';
import { useRef, useState } from 'react';
import { LazyOciError } from '../../../errors/index.js';
import type { SavedRegistry } from '../../../settings/index.js';
import { terminalSafe } from '../../terminal-safe.js';
import { DEFAULT_PART_COLORS, type PartColors } from './part-colors.js';
import { EMPTY_FORM, formValuesFrom, validateRegistryForm, type RegistryFormField, type RegistryFormValues } from './registry-form-values.js';
import { REGISTRY_PRESETS } from './registry-presets.js';
import { editText, splitChunk, textAtEnd, type TextState } from './text-edit.js';
import { TextField } from './TextField.js';

/** What a connection test reports (ops/test-connection's ConnectionTestResult). */
export interface RegistryTestResult {
  ok: boolean;
  status?: number;
  authenticated: boolean;
  message: string;
}

export interface RegistryFormProps {
  /** The saved entry to edit; absent to add one. Its password is only noted as present, never shown. */
  initial?: SavedRegistry;
  /** Save; a rejection's message is shown in the form, which stays open. */
  onSubmit: (values: RegistryFormValues) => Promise<void>;
  onCancel: () => void;
  /** Ctrl-T: GET /v2/ with these values. */
  onTest: (values: RegistryFormValues) => Promise<RegistryTestResult>;
  colors?: PartColors;
  isActive?: boolean;
}

type Row = 'preset' | RegistryFormField;
const ROWS: readonly Row[] = ['preset', 'host', 'label', 'username', 'password', 'insecure', 'caFile'];
const TITLES: Record<Row, string> = {
  preset: 'Preset',
  host: 'Host',
  label: 'Label',
  username: 'User',
  password: 'Password',
  insecure: 'Insecure',
  caFile: 'CA file',
};
type TextRow = Exclude<RegistryFormField, 'insecure'>;
type Texts = Record<TextRow, TextState>;

interface Status {
  kind: 'busy' | 'ok' | 'error';
  text: string;
}

function textsOf(values: RegistryFormValues): Texts {
  return {
    host: textAtEnd(values.host),
    label: textAtEnd(values.label),
    username: textAtEnd(values.username),
    password: textAtEnd(values.password),
    caFile: textAtEnd(values.caFile),
  };
}

function messageOf(err: unknown): string {
  return err instanceof LazyOciError ? err.message + (err.hint === undefined ? '' : ` (${err.hint})`) : String(err);
}

interface FormState {
  row: number;
  preset: string;
  texts: Texts;
  insecure: boolean;
  touched: ReadonlySet<Row>;
  submitted: boolean;
}

export function RegistryForm({ initial, onSubmit, onCancel, onTest, colors = DEFAULT_PART_COLORS, isActive = true }: RegistryFormProps) {
  const savedPassword = initial?.password !== undefined;
  const [state, setStateRaw] = useState<FormState>(() => {
    const values = initial === undefined ? EMPTY_FORM : formValuesFrom(initial);
    return { row: initial === undefined ? 0 : 1, preset: values.preset, texts: textsOf(values), insecure: values.insecure, touched: new Set(), submitted: false };
  });
  const [status, setStatus] = useState<Status | undefined>();
  // Keys of one chunk arrive before React renders: always start from the latest state.
  const latest = useRef(state);
  const setState = (next: FormState): void => {
    latest.current = next;
    setStateRaw(next);
  };

  const valuesOf = (s: FormState): RegistryFormValues => ({
    preset: s.preset,
    host: s.texts.host.value,
    label: s.texts.label.value,
    username: s.texts.username.value,
    password: s.texts.password.value,
    insecure: s.insecure,
    caFile: s.texts.caFile.value,
  });
  const errors = validateRegistryForm(valuesOf(state), { savedPassword });
  const preset = REGISTRY_PRESETS.find((p) => p.id === state.preset) ?? REGISTRY_PRESETS[0]!;

  const choosePreset = (s: FormState, step: number): FormState => {
    const at = REGISTRY_PRESETS.findIndex((p) => p.id === s.preset);
    const before = REGISTRY_PRESETS[at]!;
    const next = REGISTRY_PRESETS[(at + step + REGISTRY_PRESETS.length) % REGISTRY_PRESETS.length]!;
    const username = next.username ?? (s.texts.username.value === before.username ? '' : s.texts.username.value);
    return { ...s, preset: next.id, texts: { ...s.texts, host: textAtEnd(next.host), username: textAtEnd(username) } };
  };

  const run = (kind: 'test' | 'save', s: FormState): void => {
    const values = valuesOf(s);
    setStatus({ kind: 'busy', text: kind === 'test' ? `testing ${values.host.trim()}…` : 'saving…' });
    const work = kind === 'test' ? onTest(values).then((r) => ({ kind: r.ok ? 'ok' : 'error', text: r.message }) as Status) : onSubmit(values).then(() => undefined);
    work.then(
      (done) => setStatus(done),
      (err: unknown) => setStatus({ kind: 'error', text: messageOf(err) }),
    );
  };

  const handle = (input: string, key: Key): void => {
    const s = latest.current;
    const row = ROWS[s.row]!;
    const touched = new Set(s.touched).add(row);
    if (key.escape) return onCancel();
    if (key.return) {
      const now = validateRegistryForm(valuesOf(s), { savedPassword });
      const firstBad = ROWS.findIndex((r) => r !== 'preset' && now[r] !== undefined);
      if (firstBad === -1) return run('save', s);
      return setState({ ...s, submitted: true, row: firstBad });
    }
    if (key.ctrl && input === 't') {
      const now = validateRegistryForm(valuesOf(s), { savedPassword });
      if (now.host !== undefined) return setState({ ...s, touched: touched.add('host'), row: ROWS.indexOf('host') });
      return run('test', s);
    }
    if ((key.tab && !key.shift) || key.downArrow) return setState({ ...s, touched, row: (s.row + 1) % ROWS.length });
    if ((key.tab && key.shift) || key.upArrow) return setState({ ...s, touched, row: (s.row - 1 + ROWS.length) % ROWS.length });
    if (row === 'preset') {
      if (key.leftArrow || key.rightArrow) setState({ ...choosePreset(s, key.rightArrow ? 1 : -1), touched });
      return;
    }
    if (row === 'insecure') {
      if (input === ' ' || input === 'x' || key.leftArrow || key.rightArrow) setState({ ...s, touched, insecure: !s.insecure });
      return;
    }
    const next = editText(s.texts[row], input, key);
    if (next !== undefined) setState({ ...s, touched, texts: { ...s.texts, [row]: next } });
  };
  useInput((input, key) => splitChunk(input, key).forEach((k) => handle(k.input, k.key)), { isActive });

  const color = (c: string | undefined) => (c === undefined ? {} : { color: c });
  // A field's problem shows once it was edited or left, or after Enter.
  const shownError = (r: Row): string | undefined => (r !== 'preset' && (state.submitted || state.touched.has(r)) ? errors[r] : undefined);
  const help = (r: Row): string | undefined => {
    if (r === 'password') return savedPassword && state.texts.password.value === '' ? 'saved; leave empty to keep it' : preset.passwordHelp;
    if (r === 'host' && preset.hostHelp !== undefined) return preset.hostHelp;
    if (r === 'caFile') return 'a PEM file of CAs to trust for this registry (empty: the system\'s)';
    return undefined;
  };

  return (
    <Box flexDirection="column" borderStyle="round" {...(colors.accent === undefined ? {} : { borderColor: colors.accent })} paddingX={1}>
      <Text bold {...color(colors.accent)}>
        {initial === undefined ? 'Add a registry' : `Edit registry ${terminalSafe(initial.name)}`}
      </Text>
      {ROWS.map((r, i) => {
        const focused = i === state.row && isActive;
        const error = shownError(r);
        const hint = focused && error === undefined ? help(r) : undefined;
        return (
          <Box key={r} flexDirection="column">
            <Box>
              <Text {...color(focused ? colors.accent : undefined)}>{focused ? '› ' : '  '}</Text>
              <Text bold={focused}>{TITLES[r].padEnd(10)}</Text>
              {r === 'preset' ? (
                <Text>{focused ? `‹ ${preset.label} ›` : preset.label}</Text>
              ) : r === 'insecure' ? (
                <Text>
                  {state.insecure ? '[x]' : '[ ]'} allow plain HTTP and skip TLS verification
                </Text>
              ) : (
                <TextField state={state.texts[r]} focused={focused} mask={r === 'password'} {...(r === 'label' ? { placeholder: 'optional' } : {})} />
              )}
            </Box>
            {error !== undefined ? <Text {...color(colors.error)}>{'            '}✗ {error}</Text> : null}
            {hint !== undefined ? <Text {...color(colors.muted)}>{'            '}{hint}</Text> : null}
          </Box>
        );
      })}
      <Text {...color(colors.muted)}>Enter save · Ctrl-T test connection · Tab ↑↓ move · ←→ preset · Esc cancel</Text>
      {status === undefined ? null : (
        <Text {...color(status.kind === 'ok' ? colors.ok : status.kind === 'error' ? colors.error : colors.muted)}>
          {status.kind === 'ok' ? '✓ ' : status.kind === 'error' ? '✗ ' : ''}
          {terminalSafe(status.text)}
        </Text>
      )}
    </Box>
  );
}
