// The layers of an image, bottom first: size, compression, the history step that made
// each, and (once the files were read) its content and wasted bytes. Plain data in.
import { Box, Text } from 'ink';
import { formatBytes, shortDigest } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export interface LayerListItem {
  index: number;
  digest: string;
  mediaType: string;
  /** The blob's (compressed) size. */
  size: number;
  /** The history step that made it (`created_by`), from inspectImageConfig. */
  createdBy?: string;
  /** From inspectImageFiles, once the layers were read. */
  fileBytes?: number;
  wastedBytes?: number;
}

export interface LayerListProps {
  layers: readonly LayerListItem[];
  /** Index into `layers` of the highlighted row. */
  selected?: number;
  /** Rows shown at most; the list scrolls to keep the selection in view. */
  height?: number;
}

export function compressionOf(mediaType: string): string {
  if (/(\+|\.tar\.)gzip$|\.tar\.gz$/.test(mediaType)) return 'gzip';
  if (/(\+|\.tar\.)zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$/.test(mediaType)) return 'tar';
  return '?';
}

/** The first row to show so that `selected` is in a window of `height` rows. */
export function windowStart(count: number, selected: number, height: number): number {
  if (count <= height) return 0;
  return Math.min(Math.max(0, selected - Math.floor(height / 2)), count - height);
}

export function LayerList({ layers, selected = 0, height = 20 }: LayerListProps) {
  if (layers.length === 0) return <Tint dim>no layers</Tint>;
  const start = windowStart(layers.length, selected, height);
  const shown = layers.slice(start, start + height);
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => {
        const at = start + i === selected;
        return (
          <Text key={l.digest + String(l.index)} wrap="truncate-end" inverse={at}>
            {at ? '>' : ' '} {String(l.index).padStart(2)} {shortDigest(safe(l.digest))} {formatBytes(l.size).padStart(9)} {compressionOf(l.mediaType).padEnd(4)}
            {l.fileBytes === undefined ? '' : ` files ${formatBytes(l.fileBytes)}`}
            {l.wastedBytes === undefined ? '' : ` wasted ${formatBytes(l.wastedBytes)}`}
            {l.createdBy === undefined ? '' : ` ${safe(l.createdBy)}`}
          </Text>
        );
      })}
    </Box>
  );
}
