// Where people keep images, and how each wants to be addressed and logged in to: the
// presets of the registry form. A host with CAPITALISED words is a pattern to fill in.

export interface RegistryPreset {
  id: string;
  label: string;
  /** What the host field is set to; CAPITALS are placeholders. */
  host: string;
  /** A filled-in host must match this (case-insensitive), when given. */
  hostPattern?: RegExp;
  /** Shown when the host does not match. */
  hostHelp?: string;
  /** The user name most people use there (`AWS` for ECR). */
  username?: string;
  /** How to get the password or token, shown under the field. */
  passwordHelp?: string;
}

export const REGISTRY_PRESETS: readonly RegistryPreset[] = [
  { id: 'custom', label: 'Custom', host: '' },
  { id: 'dockerhub', label: 'Docker Hub', host: 'docker.io', passwordHelp: 'a Docker Hub access token (Account settings → Personal access tokens)' },
  { id: 'ghcr', label: 'GHCR', host: 'ghcr.io', passwordHelp: 'a GitHub token with read:packages (write:packages to push)' },
  { id: 'quay', label: 'Quay', host: 'quay.io', passwordHelp: 'your password, or a robot account (user org+robot) and its token' },
  { id: 'gitlab', label: 'GitLab', host: 'registry.gitlab.com', passwordHelp: 'a personal, project or deploy token with read_registry' },
  {
    id: 'ecr',
    label: 'ECR',
    host: 'ACCOUNT.dkr.ecr.REGION.amazonaws.com',
    hostPattern: /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
    hostHelp: 'an ECR host is ACCOUNT.dkr.ecr.REGION.amazonaws.com, ACCOUNT being 12 digits',
    username: 'AWS',
    passwordHelp: 'the output of: aws ecr get-login-password --region REGION (valid 12 hours)',
  },
  {
    id: 'gar',
    label: 'GAR',
    host: 'REGION-docker.pkg.dev',
    hostPattern: /^[a-z0-9-]+-docker\.pkg\.dev$/,
    hostHelp: 'an Artifact Registry host is REGION-docker.pkg.dev, e.g. europe-west1-docker.pkg.dev',
    username: 'oauth2accesstoken',
    passwordHelp: 'the output of: gcloud auth print-access-token (or user _json_key with a key file\'s JSON)',
  },
  {
    id: 'acr',
    label: 'ACR',
    host: 'NAME.azurecr.io',
    hostPattern: /^[a-z0-9]{5,50}\.azurecr\.io$/,
    hostHelp: 'an ACR host is NAME.azurecr.io, NAME being 5 to 50 letters and digits',
    passwordHelp: 'a service principal secret, a repository-scoped token, or the admin password',
  },
  { id: 'local', label: 'Local', host: 'localhost:5000', passwordHelp: 'none for a local registry without auth' },
];

/** CAPITALISED placeholders still in the host, e.g. ["ACCOUNT", "REGION"]. */
export function placeholdersIn(host: string): string[] {
  return host.match(/[A-Z]{3,}/g) ?? [];
}

/** The preset a saved host belongs to, for editing; Custom when none fits. */
export function presetForHost(host: string): RegistryPreset {
  const h = host.toLowerCase().split('/')[0]!;
  return (
    REGISTRY_PRESETS.find((p) => p.id !== 'custom' && (p.hostPattern === undefined ? p.host === h : p.hostPattern.test(h))) ?? REGISTRY_PRESETS[0]!
  );
}
