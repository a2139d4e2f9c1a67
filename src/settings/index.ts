// Public API of lazyoci's user settings file.
export {
  defaultArtifactDir,
  findSavedRegistry,
  loadSettings,
  saveSettings,
  savedRegistryNamed,
  settingsPath,
  SETTING_KEYS,
  type SavedRegistry,
  type SettingKey,
  type UserSettings,
} from './user-settings.js';
