// `lazyoci config path|list|get|set|unset`: read and change the user settings file
// ($XDG_CONFIG_HOME/lazyoci/config.yaml). Registry passwords are shown masked.
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from '../errors/index.js';
import { defaultArtifactDir, loadSettings, saveSettings, settingsPath, SETTING_KEYS, type SettingKey, type UserSettings } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';

const MASK = '********';

/** Keys compare without case, - or _: artifactDir, artifact-dir (the Go lazyoci's) and artifact_dir are one. */
function comparable(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

function settingKey(key: string): SettingKey {
  const known = SETTING_KEYS.find((k) => comparable(k) === comparable(key));
  if (known === undefined) {
    throw new UsageError(`unknown setting "${key}"; known settings: ${SETTING_KEYS.join(', ')}`);
  }
  return known;
}

/** The settings as shown to a user: defaults filled in, every password replaced by a mask. */
function shown(settings: UserSettings, env: NodeJS.ProcessEnv): UserSettings {
  return {
    artifactDir: settings.artifactDir ?? defaultArtifactDir(env),
    registries: settings.registries.map((r) => ({ ...r, ...(r.password === undefined ? {} : { password: MASK }) })),
  };
}

function absolutePath(value: string, io: CommandIO): string {
  const home = io.env.HOME;
  // A quoted "~/dir" reaches us unexpanded; expand it as the shell would have.
  if ((value === '~' || value.startsWith('~/')) && home !== undefined && home !== '') return join(home, value.slice(1));
  return isAbsolute(value) ? resolve(value) : resolve(io.cwd, value);
}

export function configCommand(io: CommandIO): Command {
  const config = new Command('config').description(`show and change lazyoci settings (${SETTING_KEYS.join(', ')})`);

  config
    .command('path')
    .description('print where the settings file is')
    .action(function (this: Command) {
      const g = globalOptions(this);
      const file = settingsPath(io.env);
      io.stdout(renderOutput(g.output, { path: file }, () => file));
    });

  config
    .command('list')
    .description('print all settings, with the default of each unset one (registry passwords masked)')
    .action(async function (this: Command) {
      const g = globalOptions(this);
      const settings = await loadSettings(io.env);
      const text = (s: UserSettings): string => {
        const yaml = stringify(s);
        // Marked in the text only; a YAML comment keeps it readable as YAML.
        return settings.artifactDir === undefined ? yaml.replace(/^(artifactDir: .*)$/m, '$1 # default') : yaml;
      };
      io.stdout(renderOutput(g.output, shown(settings, io.env), text));
    });

  config
    .command('get')
    .description('print one setting (its default when unset)')
    .argument('<key>', SETTING_KEYS.join(' | '))
    .action(async function (this: Command, key: string) {
      const g = globalOptions(this);
      const k = settingKey(key);
      const settings = await loadSettings(io.env);
      // artifactDir is the only key so far; its default is where pull writes without it.
      const stored = settings[k];
      const value = stored ?? defaultArtifactDir(io.env);
      io.stdout(renderOutput(g.output, { key: k, value, default: stored === undefined }, (r) => r.value));
    });

  config
    .command('set')
    .description('change one setting; an empty value ("") returns it to its default')
    .argument('<key>', SETTING_KEYS.join(' | '))
    .argument('<value>', 'the new value (artifactDir: a directory, relative to the current one)')
    .action(async function (this: Command, key: string, value: string) {
      const k = settingKey(key);
      await changeSetting(this, k, value.trim() === '' ? undefined : absolutePath(value, io));
    });

  config
    .command('unset')
    .description('return one setting to its default')
    .argument('<key>', SETTING_KEYS.join(' | '))
    .action(async function (this: Command, key: string) {
      await changeSetting(this, settingKey(key), undefined);
    });

  /** Store a value, or with none remove the key so its default applies again. */
  async function changeSetting(cmd: Command, k: SettingKey, value: string | undefined): Promise<void> {
    const g = globalOptions(cmd);
    const settings = await loadSettings(io.env);
    if (value === undefined) delete settings[k];
    else settings[k] = value;
    await saveSettings(io.env, settings);
    if (!g.quiet || g.output !== 'text') {
      const shownValue = settings[k] ?? defaultArtifactDir(io.env);
      io.stdout(
        renderOutput(g.output, { key: k, value: shownValue, default: value === undefined }, (r) => `${r.key} = ${r.value}${r.default ? ' (default)' : ''}`),
      );
    }
  }

  return config;
}
