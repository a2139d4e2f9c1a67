// `browse config` as a service: an image's run settings and its history, each history
// step matched with the layer it made (steps marked empty_layer made none).
import type { Descriptor } from '../oci/types.js';
import { fetchImageConfig, resolveImage, type ImageSource, type ResolveImageOptions } from './image-target.js';

export interface HistoryStep {
  created?: string;
  createdBy?: string;
  comment?: string;
  author?: string;
  /** The layer this step made, or absent for a step that made none (empty_layer). */
  layer?: { index: number; digest: string; size: number; mediaType: string };
}

export interface ImageConfigSummary {
  reference: string;
  digest: string;
  platform?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  author?: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  labels: Record<string, string>;
  user?: string;
  workingDir?: string;
  exposedPorts: string[];
  volumes: string[];
  stopSignal?: string;
  layers: { index: number; digest: string; size: number; mediaType: string }[];
  history: HistoryStep[];
  /** Layers no history step accounts for (history shorter than the layers, or absent). */
  unattributedLayers: number[];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function keys(value: unknown): string[] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value).sort() : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** History steps in order; each step that is not empty_layer takes the next layer. */
export function attributeHistory(history: unknown, layers: readonly Descriptor[]): { steps: HistoryStep[]; unattributed: number[] } {
  const steps: HistoryStep[] = [];
  let next = 0;
  for (const raw of Array.isArray(history) ? history : []) {
    if (typeof raw !== 'object' || raw === null) continue;
    const h = raw as Record<string, unknown>;
    const step: HistoryStep = {
      ...optional('created', str(h.created)),
      ...optional('createdBy', str(h.created_by)),
      ...optional('comment', str(h.comment)),
      ...optional('author', str(h.author)),
    };
    if (h.empty_layer !== true && next < layers.length) {
      const l = layers[next]!;
      step.layer = { index: next, digest: l.digest, size: l.size, mediaType: l.mediaType };
      next++;
    }
    steps.push(step);
  }
  return { steps, unattributed: layers.map((_, i) => i).slice(next) };
}

export async function inspectImageConfig(source: ImageSource, reference: string, tagOrDigest: string, opts: ResolveImageOptions): Promise<ImageConfigSummary> {
  const image = await resolveImage(source, reference, tagOrDigest, opts);
  const doc = await fetchImageConfig(source, image);
  const run = (typeof doc.config === 'object' && doc.config !== null ? doc.config : {}) as Record<string, unknown>;
  const layers = image.manifest.layers.map((l, index) => ({ index, digest: l.digest, size: l.size, mediaType: l.mediaType }));
  const { steps, unattributed } = attributeHistory(doc.history, image.manifest.layers);
  return {
    reference,
    digest: image.descriptor.digest,
    ...optional('platform', image.platform),
    ...optional('os', str(doc.os)),
    ...optional('architecture', str(doc.architecture)),
    ...optional('variant', str(doc.variant)),
    ...optional('created', str(doc.created)),
    ...optional('author', str(doc.author)),
    entrypoint: strings(run.Entrypoint),
    cmd: strings(run.Cmd),
    env: strings(run.Env),
    labels: stringMap(run.Labels),
    ...optional('user', str(run.User)),
    ...optional('workingDir', str(run.WorkingDir)),
    exposedPorts: keys(run.ExposedPorts),
    volumes: keys(run.Volumes),
    ...optional('stopSignal', str(run.StopSignal)),
    layers,
    history: steps,
    unattributedLayers: unattributed,
  };
}
