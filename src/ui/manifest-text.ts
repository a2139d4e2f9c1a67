// Text and structured views of `browse manifest`: a summary block, then tables of
// platforms (index) or config and layers (manifest), annotations and the subject.
import { Annotation } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';
import type { Descriptor } from '../oci/types.js';
import type { ManifestSummary } from '../ops/inspect-manifest.js';
import { formatBytes, shortDigest } from './format.js';
import { formatTable } from './table.js';

function sizeText(n: number): string {
  return n < 1024 ? formatBytes(n) : `${formatBytes(n)} (${n} B)`;
}

/** -o json|yaml: the document itself plus what the registry said about it (spec §4). */
export function manifestData(s: ManifestSummary): Record<string, unknown> {
  return {
    ...s.document,
    reference: s.reference,
    digest: s.descriptor.digest,
    mediaType: s.descriptor.mediaType,
    artifactType: s.artifactType ?? null,
    size: s.descriptor.size,
    kind: s.kind,
  };
}

function descriptorRows(descs: readonly Descriptor[]): string[][] {
  return descs.map((d) => [d.mediaType, formatBytes(d.size), d.annotations?.[Annotation.title] ?? '', shortDigest(d.digest)]);
}

function annotationRows(annotations: Record<string, string> | undefined): string[][] {
  return Object.entries(annotations ?? {}).map(([k, v]) => [k, v]);
}

export function manifestText(s: ManifestSummary): string {
  const doc = s.document;
  const head: string[][] = [
    ['reference', s.reference],
    ['digest', s.descriptor.digest],
    ['media type', s.descriptor.mediaType],
    ['kind', s.kind],
  ];
  // For an image the "artifact type" is only its config media type again.
  if (s.artifactType !== undefined && (s.kind !== 'image' || doc.artifactType !== undefined)) head.push(['artifact type', s.artifactType]);
  head.push(['size', formatBytes(s.descriptor.size)]);
  head.push(['total size', sizeText(s.totalSize)]);
  const sections: string[] = [formatTable(head)];

  if (s.entries !== undefined) {
    const rows = [['PLATFORM', 'KIND', 'SIZE', 'ARTIFACT TYPE', 'DIGEST']];
    for (const e of s.entries) {
      const d = e.descriptor;
      rows.push([
        d.platform === undefined ? '-' : formatPlatform(d.platform),
        e.kind ?? '?',
        formatBytes(e.totalSize ?? d.size),
        d.artifactType ?? '',
        d.digest,
      ]);
    }
    sections.push(`manifests (${s.entries.length})\n${formatTable(rows, { indent: '  ' })}`);
  } else {
    if (doc.config !== undefined) {
      const c = doc.config;
      sections.push(`config\n${formatTable([['MEDIA TYPE', 'SIZE', 'DIGEST'], [c.mediaType, formatBytes(c.size), c.digest]], { indent: '  ' })}`);
    }
    const layers = doc.layers ?? [];
    sections.push(
      layers.length === 0
        ? 'layers (0)'
        : `layers (${layers.length})\n${formatTable([['MEDIA TYPE', 'SIZE', 'TITLE', 'DIGEST'], ...descriptorRows(layers)], { indent: '  ' })}`,
    );
  }

  const annotations = annotationRows(doc.annotations);
  if (annotations.length > 0) sections.push(`annotations\n${formatTable(annotations, { indent: '  ' })}`);
  if (doc.subject !== undefined) {
    const sub = doc.subject;
    const rows = [
      ['media type', sub.mediaType],
      ['digest', sub.digest],
      ['size', formatBytes(sub.size)],
    ];
    if (sub.artifactType !== undefined) rows.push(['artifact type', sub.artifactType]);
    sections.push(`subject\n${formatTable(rows, { indent: '  ' })}`);
  }
  return sections.join('\n\n');
}
