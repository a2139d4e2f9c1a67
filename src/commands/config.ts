// `lazyoci config path|list|get|set`: read and change the user settings file
// ($XDG_CONFIG_HOME/lazyoci/config.yaml). Registry passwords are shown masked.
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from '../errors/index.js';
import { defaultArtifactDir, loadSettings, saveSettings, settingsPath, SETTING_KEYS, type SettingKey, type UserSettings } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';

const MASK = '********';

function settingKey(key: string): SettingKey {
  const known = SETTING_KEYS.find((k) => k === key || k.toLowerCase() === key.toLowerCase());
  if (known === undefined) {
    throw new UsageError(`unknown setting "${key}"; known settings: ${SETTING_KEYS.join(', ')}`);
  }
  return known;
}

/** The settings as shown to a user: every password replaced by a mask. */
function masked(settings: UserSettings): UserSettings {
  return {
    ...(settings.artifactDir === undefined ? {} : { artifactDir: settings.artifactDir }),
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
    .description('print all settings (registry passwords masked)')
    .action(async function (this: Command) {
      const g = globalOptions(this);
      const shown = masked(await loadSettings(io.env));
      io.stdout(renderOutput(g.output, shown, (s) => stringify(s)));
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
    .description('change one setting')
    .argument('<key>', SETTING_KEYS.join(' | '))
    .argument('<value>', 'the new value (artifactDir: a directory, relative to the current one)')
    .action(async function (this: Command, key: string, value: string) {
      const g = globalOptions(this);
      const k = settingKey(key);
      if (value.trim() === '') throw new UsageError(`${k} needs a value`);
      const settings = await loadSettings(io.env);
      settings[k] = absolutePath(value, io);
      await saveSettings(io.env, settings);
      if (!g.quiet || g.output !== 'text') {
        io.stdout(renderOutput(g.output, { key: k, value: settings[k] }, (r) => `${r.key} = ${r.value}`));
      }
    });

  return config;
}
