// The first lines of one file of an image (catImageFile with a byte limit fills it):
// text shown escaped, never obeyed; a binary file only named as such.
import { Box, Text } from 'ink';
import { formatBytes } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export interface FilePreviewProps {
  /** The path shown in the heading. */
  path: string;
  /** The bytes read (the head of the file). */
  content?: Buffer;
  /** The whole file's size, when known. */
  size?: number;
  /** Whether `content` is only the start of the file. */
  truncated?: boolean;
  /** Why there is nothing to show (not found, a directory…). */
  error?: string;
  /** Lines shown at most. */
  maxLines?: number;
}

/** A NUL in the first bytes is what `grep` and `less` take for a binary file. */
export function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

export function FilePreview({ path, content, size, truncated = false, error, maxLines = 20 }: FilePreviewProps) {
  const heading = (
    <Text wrap="truncate-end">
      <Tint bold>{safe(path)}</Tint>
      {size === undefined ? '' : <Tint dim> {formatBytes(size)}</Tint>}
    </Text>
  );
  if (error !== undefined) {
    return (
      <Box flexDirection="column">
        {heading}
        <Tint color="red">{safe(error)}</Tint>
      </Box>
    );
  }
  if (content === undefined) {
    return (
      <Box flexDirection="column">
        {heading}
        <Tint dim>reading…</Tint>
      </Box>
    );
  }
  if (looksBinary(content)) {
    return (
      <Box flexDirection="column">
        {heading}
        <Tint dim>binary file{size === undefined ? '' : ` (${formatBytes(size)})`}: browse cat writes it out</Tint>
      </Box>
    );
  }
  const lines = content.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const shown = lines.slice(0, maxLines);
  const more = lines.length > maxLines || truncated;
  return (
    <Box flexDirection="column">
      {heading}
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {safe(line.replace(/\t/g, '  '))}
        </Text>
      ))}
      {more ? <Tint dim>…</Tint> : null}
    </Box>
  );
}
