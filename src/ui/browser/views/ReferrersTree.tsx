// The referrers of the selected manifest, as a tree for the browser's details pane:
// plain data in (what `discover` returns), no registry access here.
import { Box, Text } from 'ink';
import type { DiscoverResult, ReferrerNode } from '../../../ops/discover.js';
import { terminalSafe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export interface ReferrersTreeProps {
  /** Undefined while discover runs. */
  result?: DiscoverResult;
  /** Why discover failed, if it did. */
  error?: string;
  /** Rows to show at most (the pane's height); the rest is summarised. */
  maxRows?: number;
}

const SOURCE: Record<ReferrerNode['source'], string> = { api: 'api', fallback: 'tag', cosign: 'cosign' };

interface Row {
  prefix: string;
  node: ReferrerNode;
}

function rows(nodes: readonly ReferrerNode[], prefix = ''): Row[] {
  return nodes.flatMap((node, i) => {
    const last = i === nodes.length - 1;
    return [{ prefix: `${prefix}${last ? '└─ ' : '├─ '}`, node }, ...rows(node.referrers, `${prefix}${last ? '   ' : '│  '}`)];
  });
}

function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

export function ReferrersTree({ result, error, maxRows = 20 }: ReferrersTreeProps) {
  if (error !== undefined) return <Tint color="red">referrers: {terminalSafe(error)}</Tint>;
  if (result === undefined) return <Tint dim>referrers: looking…</Tint>;
  const all = rows(result.referrers);
  const shown = all.slice(0, maxRows);
  return (
    <Box flexDirection="column">
      <Text>
        referrers <Tint dim>({result.api ? 'referrers API' : 'fallback tag'})</Tint>
      </Text>
      {all.length === 0 && <Tint dim>none</Tint>}
      {shown.map(({ prefix, node }) => (
        <Text key={`${prefix}${node.digest}`}>
          {prefix}
          <Tint color="cyan">{terminalSafe(node.artifactType ?? node.mediaType)}</Tint> {short(node.digest)} <Tint dim>[{SOURCE[node.source]}]</Tint>
          {node.cycle === true ? <Tint dim> (seen above)</Tint> : null}
          {node.depthLimited === true ? <Tint dim> (…)</Tint> : null}
        </Text>
      ))}
      {all.length > shown.length && <Tint dim>… {all.length - shown.length} more</Tint>}
      {result.notes.map((note) => (
        <Tint key={note} color="yellow">
          note: {terminalSafe(note)}
        </Tint>
      ))}
    </Box>
  );
}
