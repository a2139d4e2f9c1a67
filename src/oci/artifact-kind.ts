// What a manifest or index holds, told from its artifactType, config media type and
// layer media types: the "kind" `browse manifest` shows (an image, a Helm chart, ...).
import { isIndexMediaType, MediaType } from './media-types.js';

export type ArtifactKind = 'image' | 'index' | 'helm' | 'sbom' | 'signature' | 'attestation' | 'wasm' | 'artifact';

interface DescriptorLike {
  mediaType?: unknown;
  annotations?: unknown;
}

interface DocumentLike {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: DescriptorLike;
  layers?: unknown;
  manifests?: unknown;
}

const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.imageConfig, 'application/vnd.docker.container.image.v1+json']);

/** in-toto predicate types that describe a software bill of materials. */
const SBOM_PREDICATE = /spdx|cyclonedx|syft/i;

/** The kind one media type names on its own, if it names one. */
function kindOfMediaType(mediaType: string): ArtifactKind | undefined {
  const t = mediaType.toLowerCase();
  if (t.startsWith('application/vnd.cncf.helm.')) return 'helm';
  // Notation (notaryproject) signatures, cosign simple signing and its artifact type,
  // sigstore bundles; JWS/COSE envelopes are what notation puts in the layer.
  if (
    t.startsWith('application/vnd.cncf.notary.') ||
    t.startsWith('application/vnd.dev.cosign.simplesigning') ||
    t === 'application/vnd.dev.cosign.artifact.sig.v1+json' ||
    t.startsWith('application/vnd.dev.sigstore.bundle') ||
    t === 'application/jose+json' ||
    t === 'application/cose'
  ) {
    return 'signature';
  }
  if (SBOM_PREDICATE.test(t) || t === 'application/vnd.dev.cosign.artifact.sbom.v1+json') return 'sbom';
  if (t.startsWith('application/vnd.in-toto') || t.startsWith('application/vnd.dsse.') || t.includes('cosign.attestation')) {
    return 'attestation';
  }
  if (t.includes('wasm')) return 'wasm';
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An in-toto layer whose predicate is an SBOM (buildx and cosign annotate it). */
function isSbomAttestation(layer: DescriptorLike): boolean {
  const a = layer.annotations;
  if (a === null || typeof a !== 'object') return false;
  const record = a as Record<string, unknown>;
  const predicate = stringOf(record['in-toto.io/predicate-type']) ?? stringOf(record.predicateType);
  return predicate !== undefined && SBOM_PREDICATE.test(predicate);
}

/**
 * The kind of a parsed manifest or index. An explicit artifactType wins, then the
 * config media type, then the layers; a plain image config with no telling layer is
 * an image (buildx attestation manifests carry an image config but in-toto layers).
 */
export function detectArtifactKind(doc: unknown): ArtifactKind {
  if (doc === null || typeof doc !== 'object') return 'artifact';
  const d = doc as DocumentLike;
  const artifactType = stringOf(d.artifactType);
  const fromArtifactType = artifactType === undefined ? undefined : kindOfMediaType(artifactType);
  if (fromArtifactType !== undefined) return fromArtifactType;

  const mediaType = stringOf(d.mediaType);
  if ((mediaType !== undefined && isIndexMediaType(mediaType)) || (d.config === undefined && Array.isArray(d.manifests))) {
    return 'index';
  }

  const configType = stringOf(d.config?.mediaType);
  const fromConfig = configType === undefined ? undefined : kindOfMediaType(configType);
  if (fromConfig !== undefined) return fromConfig;

  const layers = Array.isArray(d.layers) ? (d.layers as unknown[]).filter((l): l is DescriptorLike => l !== null && typeof l === 'object') : [];
  for (const layer of layers) {
    const layerType = stringOf(layer.mediaType);
    const kind = layerType === undefined ? undefined : kindOfMediaType(layerType);
    if (kind === 'attestation' && isSbomAttestation(layer)) return 'sbom';
    if (kind !== undefined) return kind;
  }

  if (artifactType === undefined && configType !== undefined && IMAGE_CONFIG_TYPES.has(configType)) return 'image';
  return 'artifact';
}
