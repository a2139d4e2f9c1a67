// A list pane: the rows in view, a message when there are none (loading, an error, no
// catalog), the filter being typed.
import { Box, Text } from 'ink';
import type { ErrorView } from './browser-state.js';
import { listRows, type Rect } from './layout.js';
import { Pane, Row } from './Pane.js';
import { fit, fitEnd } from './tag-row.js';
import type { Theme } from './themes.js';

export interface ListPaneProps {
  rect: Rect;
  title: string;
  info?: string;
  focused: boolean;
  theme: Theme;
  /** Rows already formatted for the pane's inner width. */
  lines: string[];
  /** Index in `lines` of the first row shown, and of the selected one. */
  offset: number;
  cursor: number;
  header?: string;
  /** Shown when there are no rows. */
  empty?: string;
  error?: ErrorView;
  /** Marks the row that is open (a registry, a repository or a tag). */
  openIndex?: number;
  /** Cut long rows at the start rather than the end (repository paths). */
  keepEnd?: boolean;
}

export function ListPane(props: ListPaneProps) {
  const { rect, theme, focused } = props;
  const inner = rect.width - 2;
  const rows = listRows(rect, props.header !== undefined);
  const shown = props.lines.slice(props.offset, props.offset + rows);
  return (
    <Pane rect={rect} title={props.title} {...(props.info === undefined ? {} : { info: props.info })} focused={focused} theme={theme}>
      {props.header === undefined ? null : (
        <Text color={theme.plain === true ? undefined : theme.dim} wrap="truncate-end">
          {fit(props.header, inner)}
        </Text>
      )}
      {props.error !== undefined ? (
        <Box flexDirection="column">
          <Text color={theme.plain === true ? undefined : theme.error} wrap="wrap">
            {props.error.message}
          </Text>
          {props.error.hint === undefined ? null : <Text color={theme.plain === true ? undefined : theme.dim} wrap="wrap">{props.error.hint}</Text>}
        </Box>
      ) : null}
      {shown.length === 0 && props.error === undefined ? (
        <Text color={theme.plain === true ? undefined : theme.dim} wrap="wrap">
          {props.empty ?? ''}
        </Text>
      ) : (
        shown.map((line, i) => {
          const index = props.offset + i;
          const mark = index === props.openIndex ? '▸' : ' ';
          const text = props.keepEnd === true ? `${mark}${fitEnd(line, inner - 1)}` : fit(`${mark}${line}`, inner);
          return <Row key={index} text={text} selected={index === props.cursor} focused={focused} theme={theme} />;
        })
      )}
    </Pane>
  );
}
