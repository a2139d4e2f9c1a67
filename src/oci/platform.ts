// Platforms as users write them (`os/arch[/variant]`) and as index entries carry them,
// and picking an index entry for one.
import { UsageError } from '../errors/index.js';
import type { Descriptor, Platform } from './types.js';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** Names people use for the Go architecture names images carry. */
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64' };

export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p))) {
    throw new UsageError(`invalid platform "${text}": expected os/arch or os/arch/variant, e.g. linux/arm64`);
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  const architecture = ARCH_ALIASES[arch.toLowerCase()] ?? arch.toLowerCase();
  return { os: os.toLowerCase(), architecture, ...(variant === undefined ? {} : { variant: variant.toLowerCase() }) };
}

export function formatPlatform(p: PlatformSpec | Platform): string {
  return [p.os, p.architecture, p.variant].filter((s): s is string => s !== undefined && s !== '').join('/');
}

/** arm64 images are v8 whether or not they say so. */
function normalVariant(architecture: string, variant: string | undefined): string | undefined {
  if (variant === '' || (architecture === 'arm64' && variant === 'v8')) return undefined;
  return variant;
}

/**
 * The index entry for `wanted`: same os and architecture, and the variant when one is
 * asked for. Without a variant, an entry with none is preferred, else the first match.
 */
export function selectPlatform(manifests: readonly Descriptor[], wanted: PlatformSpec): Descriptor | undefined {
  const sameArch = manifests.filter(
    (m) => m.platform !== undefined && m.platform.os === wanted.os && m.platform.architecture === wanted.architecture,
  );
  const wantedVariant = normalVariant(wanted.architecture, wanted.variant);
  if (wantedVariant !== undefined) return sameArch.find((m) => normalVariant(m.platform!.architecture, m.platform!.variant) === wantedVariant);
  return sameArch.find((m) => normalVariant(m.platform!.architecture, m.platform!.variant) === undefined) ?? sameArch[0];
}

/** The platforms an index offers, in its order, each once. */
export function availablePlatforms(manifests: readonly Descriptor[]): string[] {
  return [...new Set(manifests.flatMap((m) => (m.platform === undefined ? [] : [formatPlatform(m.platform)])))];
}
