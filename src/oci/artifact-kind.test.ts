import { describe, expect, it } from 'vitest';
import { detectArtifactKind } from './artifact-kind.js';

const d = (mediaType: string, annotations?: Record<string, string>) => ({
  mediaType,
  digest: `sha256:${'a'.repeat(64)}`,
  size: 1,
  ...(annotations === undefined ? {} : { annotations }),
});
const manifest = (config: string, layers: string[], extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: d(config),
  layers: layers.map((l) => d(l)),
  ...extra,
});
const EMPTY = 'application/vnd.oci.empty.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

describe('detectArtifactKind', () => {
  it('an OCI or Docker image by its config', () => {
    expect(detectArtifactKind(manifest(OCI_CONFIG, ['application/vnd.oci.image.layer.v1.tar+gzip']))).toBe('image');
    expect(
      detectArtifactKind({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: d('application/vnd.docker.container.image.v1+json'),
        layers: [d('application/vnd.docker.image.rootfs.diff.tar.gzip')],
      }),
    ).toBe('image');
  });

  it('an OCI index or a Docker manifest list is a multi-platform index', () => {
    expect(detectArtifactKind({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] })).toBe('index');
    expect(detectArtifactKind({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [] })).toBe('index');
    // mediaType is optional in an OCI index; the manifests array tells it apart.
    expect(detectArtifactKind({ schemaVersion: 2, manifests: [] })).toBe('index');
  });

  it('a Helm chart by its config or by its chart layer', () => {
    expect(
      detectArtifactKind(manifest('application/vnd.cncf.helm.config.v1+json', ['application/vnd.cncf.helm.chart.content.v1.tar+gzip'])),
    ).toBe('helm');
    expect(detectArtifactKind(manifest(EMPTY, ['application/vnd.cncf.helm.chart.content.v1.tar+gzip']))).toBe('helm');
  });

  it('cosign and notation signatures', () => {
    expect(detectArtifactKind(manifest(OCI_CONFIG, ['application/vnd.dev.cosign.simplesigning.v1+json']))).toBe('signature');
    expect(detectArtifactKind(manifest(EMPTY, ['application/jose+json'], { artifactType: 'application/vnd.cncf.notary.signature' }))).toBe(
      'signature',
    );
    expect(detectArtifactKind(manifest(EMPTY, ['application/cose']))).toBe('signature');
    expect(detectArtifactKind(manifest(EMPTY, ['x'], { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }))).toBe('signature');
  });

  it('SBOMs in SPDX or CycloneDX, directly or as an in-toto predicate', () => {
    expect(detectArtifactKind(manifest(EMPTY, ['application/spdx+json']))).toBe('sbom');
    expect(detectArtifactKind(manifest(EMPTY, ['x'], { artifactType: 'application/vnd.cyclonedx+json' }))).toBe('sbom');
    expect(detectArtifactKind(manifest(OCI_CONFIG, ['text/spdx']))).toBe('sbom');
    const buildxSbom = {
      ...manifest(OCI_CONFIG, []),
      layers: [d('application/vnd.in-toto+json', { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' })],
    };
    expect(detectArtifactKind(buildxSbom)).toBe('sbom');
  });

  it('in-toto and DSSE attestations, even under an image config (buildx provenance)', () => {
    const provenance = {
      ...manifest(OCI_CONFIG, []),
      layers: [d('application/vnd.in-toto+json', { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' })],
    };
    expect(detectArtifactKind(provenance)).toBe('attestation');
    expect(detectArtifactKind(manifest(EMPTY, ['application/vnd.dsse.envelope.v1+json']))).toBe('attestation');
  });

  it('WebAssembly modules by config or layer', () => {
    expect(detectArtifactKind(manifest('application/vnd.wasm.config.v0+json', ['application/wasm']))).toBe('wasm');
    expect(detectArtifactKind(manifest(EMPTY, ['application/vnd.wasm.content.layer.v1+wasm']))).toBe('wasm');
  });

  it('the explicit artifactType wins over what the layers suggest', () => {
    expect(
      detectArtifactKind(manifest(EMPTY, ['application/vnd.cncf.helm.chart.content.v1.tar+gzip'], { artifactType: 'application/spdx+json' })),
    ).toBe('sbom');
  });

  it('anything else is a generic artifact, including an image config under an unknown artifactType', () => {
    expect(detectArtifactKind(manifest(EMPTY, ['application/vnd.example.payload'], { artifactType: 'application/vnd.example.v1' }))).toBe(
      'artifact',
    );
    expect(detectArtifactKind(manifest(OCI_CONFIG, ['application/octet-stream'], { artifactType: 'application/vnd.example.v1' }))).toBe(
      'artifact',
    );
    expect(detectArtifactKind(manifest('application/vnd.example.config', []))).toBe('artifact');
    expect(detectArtifactKind(null)).toBe('artifact');
    expect(detectArtifactKind('nope')).toBe('artifact');
  });
});
