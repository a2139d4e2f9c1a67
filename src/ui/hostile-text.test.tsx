// Text from registries and files, as every text renderer and the live view print it:
// control characters shown as escapes, one value per line, nothing a terminal obeys.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../errors/index.js';
import type { Descriptor } from '../oci/types.js';
import { BuildProgressModel } from './build-progress.js';
import { buildEventLine, buildSummaryText } from './build-text.js';
import { BuildView } from './BuildView.js';
import { copyEventLine } from './copy-event-text.js';
import { copyText } from './copy-text.js';
import { listText, renderOutput } from './output.js';
import { pullSummaryLine, pullText } from './pull-text.js';
import { pushFileText } from './push-file-text.js';
import { formatTable } from './table.js';
import { TransferProgress } from './transfer-progress.js';
import { TransferView } from './TransferView.js';

const EVIL = '\u001b]0;pwned\u0007\u001b[2J\r\nfake line\u0000';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\r\\nfake line\\x00';
/** Every byte a terminal acts on, the newline included: renderers keep values on one line. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const desc: Descriptor = { mediaType: 'text/plain', digest: `sha256:${'a'.repeat(64)}`, size: 3 };

function oneLineEach(text: string, lines: number): void {
  expect(text.split('\n')).toHaveLength(lines);
  for (const line of text.split('\n')) expect(line).not.toMatch(CONTROL);
}

describe('text renderers escape registry- and file-controlled values', () => {
  it('lists and tables', () => {
    expect(listText(['ok', EVIL])).toBe(`ok\n${SHOWN}`);
    oneLineEach(formatTable([['KEY', 'VALUE'], [`k${EVIL}`, EVIL]]), 2);
  });

  it('renderOutput keeps the renderer’s lines and escapes any control left; json stays exact', () => {
    expect(renderOutput('text', EVIL, (v) => `first\n${v}`)).toBe('first\n\\x1b]0;pwned\\x07\\x1b[2J\\r\nfake line\\x00\n');
    expect(JSON.parse(renderOutput('json', [EVIL], listText))).toEqual([EVIL]);
  });

  it('the build summary and its progress lines', () => {
    const summary = buildSummaryText(
      [{ name: `art${EVIL}`, type: 'artifact', targets: [{ reference: `r/x:${EVIL}`, digest: desc.digest, pushed: false, error: EVIL }] }],
      { dryRun: false, noPush: false },
    );
    oneLineEach(summary, 2);
    expect(summary).toContain(`✗ r/x:${SHOWN}  ${SHOWN}`);

    const failed = buildEventLine({
      type: 'target-failed',
      artifact: 'a',
      target: 'r/x',
      error: new RegistryError(`push: DENIED: ${EVIL}`, { method: 'PUT', url: '/v2/x', hint: EVIL }),
    })!;
    oneLineEach(failed, 2);
    expect(failed).toBe(`a: r/x failed: push: DENIED: ${SHOWN}\n  hint: ${SHOWN}`);
  });

  it('copy events and the copy, pull and push results', () => {
    oneLineEach(copyEventLine({ type: 'tagged', target: 'r/x', descriptor: desc, tag: EVIL }, 'copied')!, 1);
    oneLineEach(copyEventLine({ type: 'mounted', target: `r/x${EVIL}`, descriptor: desc, from: EVIL }, 'uploaded')!, 1);
    oneLineEach(copyText({ image: EVIL, digest: desc.digest, source: EVIL }), 1);
    const pulled = { reference: EVIL, digest: desc.digest, mediaType: 'x', dest: EVIL, tag: 'v1', copied: 0, skipped: 1 };
    oneLineEach(pullText(pulled), 1);
    oneLineEach(pullSummaryLine(pulled), 1);
    oneLineEach(pushFileText(EVIL)({ reference: EVIL, digest: desc.digest }), 1);
  });
});

describe('the live view escapes what it shows', () => {
  it('build rows: names, tags and errors', () => {
    const m = new BuildProgressModel(() => 0);
    m.apply({ type: 'packaging', artifact: `art${EVIL}`, artifactType: 'artifact', targets: [{ target: `reg${EVIL}`, tags: [EVIL] }], push: true });
    m.apply({ type: 'packaged', artifact: `art${EVIL}`, digest: desc.digest, size: 3, blobs: 1 });
    m.apply({
      type: 'target-failed',
      artifact: `art${EVIL}`,
      target: `reg${EVIL}`,
      error: new RegistryError(EVIL, { method: 'PUT', url: '/v2/x', hint: EVIL }),
    });
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(frame).toContain(`art${SHOWN.slice(0, 20)}`);
    expect(frame).toContain('\\x1b]0;pwned\\x07');
    expect(frame).not.toMatch(/^fake line/m);
  });

  it('a transfer row: the title and the failure reason', () => {
    const p = new TransferProgress();
    p.apply({ type: 'started', target: 'r/x', descriptor: desc }, 0);
    p.fail(1, EVIL);
    const frame = render(<TransferView title={`pull ${EVIL}`} verb="pulled" snapshot={p.snapshot(1)} color={false} />).lastFrame()!;
    expect(frame).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(frame).toContain('pull \\x1b]0;pwned\\x07');
    expect(frame).not.toMatch(/^fake line/m);
  });
});
