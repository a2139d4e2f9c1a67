import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { ImageConfigSummary } from '../../../ops/image-config.js';
import { ConfigHistory } from './ConfigHistory.js';
import { FilePreview } from './FilePreview.js';
import { buildTree, FileTree, visibleRows, type TreeEntry } from './FileTree.js';
import { LayerList } from './LayerList.js';
import { RequestLog } from './RequestLog.js';

const d = (n: number): string => `sha256:${String(n).repeat(64)}`;

describe('LayerList', () => {
  it('shows each layer with size, compression, wasted bytes and the step that made it, the selected one marked', () => {
    const view = render(
      <LayerList
        selected={1}
        layers={[
          { index: 0, digest: d(1), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 3 << 20, wastedBytes: 1024, createdBy: 'COPY base/ /' },
          { index: 1, digest: d(2), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: 2048, wastedBytes: 0, createdBy: 'COPY app /app' },
        ]}
      />,
    );
    const lines = view.lastFrame()!.split('\n');
    expect(lines[0]).toMatch(/^ +0 sha256:111111111111 +3\.0 MiB gzip wasted 1\.0 KiB COPY base\/ \//);
    expect(lines[1]).toMatch(/^> +1 sha256:222222222222 +2\.0 KiB zstd wasted 0 B COPY app \/app/);
  });
});

const ENTRIES: TreeEntry[] = [
  { path: 'etc', type: 'dir', size: 0, change: 'unchanged' },
  { path: 'etc/config', type: 'file', size: 12, change: 'changed', layer: 1 },
  { path: 'bin/tool', type: 'file', size: 1000, change: 'removed' },
  { path: 'bin/cfg', type: 'symlink', size: 0, linkTarget: '../etc/config', change: 'added' },
  { path: 'opt/keep/b', type: 'file', size: 4, change: 'added' },
];

describe('FileTree', () => {
  it('builds directories (implied ones too) before files, and hides what is under a collapsed one', () => {
    const tree = buildTree(ENTRIES);
    expect(visibleRows(tree, new Set()).map((r) => `${'  '.repeat(r.depth)}${r.node.name}`)).toEqual(['bin', '  cfg', '  tool', 'etc', '  config', 'opt', '  keep', '    b']);
    expect(visibleRows(tree, new Set(['bin', 'opt/keep'])).map((r) => r.node.path)).toEqual(['bin', 'etc', 'etc/config', 'opt', 'opt/keep']);
  });

  it('marks added, changed and removed entries and shows links and sizes', () => {
    const view = render(<FileTree entries={ENTRIES} collapsed={new Set(['opt'])} selected="etc/config" />);
    const frame = view.lastFrame()!;
    expect(frame).toContain('▾ bin/');
    expect(frame).toMatch(/\+ +cfg -> \.\.\/etc\/config/);
    expect(frame).toMatch(/- +tool 1000 B/);
    expect(frame).toMatch(/~ +config 12 B L1/);
    expect(frame).toContain('▸ opt/');
    expect(frame).not.toContain('keep');
  });

  it('shows hostile names escaped', () => {
    const view = render(<FileTree entries={[{ path: 'evil\u001b[2Jname', type: 'file', size: 1 }]} />);
    expect(view.lastFrame()).toContain('evil\\x1b[2Jname');
  });
});

describe('FilePreview', () => {
  it('shows the first lines, an ellipsis when there is more, and names a binary file instead of printing it', () => {
    const text = render(<FilePreview path="/etc/os-release" content={Buffer.from('NAME=Debian\nID=debian\nVERSION=13\n')} size={40} truncated maxLines={2} />);
    expect(text.lastFrame()!.split('\n')).toEqual(['/etc/os-release 40 B', 'NAME=Debian', 'ID=debian', '…']);
    const bin = render(<FilePreview path="/bin/tool" content={Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1])} size={6} />);
    expect(bin.lastFrame()).toContain('binary file (6 B)');
    const missing = render(<FilePreview path="/nope" error="no file /nope in the image" />);
    expect(missing.lastFrame()).toContain('no file /nope in the image');
  });
});

describe('ConfigHistory', () => {
  it('shows how the image runs and each history step with its layer and size', () => {
    const config: ImageConfigSummary = {
      reference: 'r/app:v1',
      digest: d(3),
      os: 'linux',
      architecture: 'amd64',
      entrypoint: ['/bin/tool'],
      cmd: ['--serve'],
      env: ['PATH=/bin'],
      labels: { 'org.example': 'yes' },
      user: '1000',
      workingDir: '/srv',
      exposedPorts: ['8080/tcp'],
      volumes: [],
      layers: [],
      history: [
        { createdBy: 'COPY base/ /', layer: { index: 0, digest: d(1), size: 3 << 20, mediaType: 'x' } },
        { createdBy: 'LABEL org.example=yes' },
      ],
      unattributedLayers: [],
    };
    const frame = render(<ConfigHistory config={config} />).lastFrame()!;
    expect(frame).toMatch(/entrypoint +\["\/bin\/tool"\]/);
    expect(frame).toMatch(/workdir +\/srv/);
    expect(frame).toContain('PATH=/bin');
    expect(frame).toContain('org.example=yes');
    expect(frame).toMatch(/L0 +3\.0 MiB COPY base\/ \//);
    expect(frame).toMatch(/ - +LABEL org\.example=yes/);
  });
});

describe('RequestLog', () => {
  it('lists method, status, time, bytes and path of the latest requests, failures in red as ERR', () => {
    const view = render(
      <RequestLog
        height={2}
        records={[
          { method: 'GET', url: 'http://127.0.0.1:5000/v2/', status: 401, ms: 3, bytes: 87 },
          { method: 'GET', url: 'http://127.0.0.1:5000/v2/app/blobs/sha256:ab', status: 200, ms: 41, bytes: 2048 },
          { method: 'PUT', url: 'http://127.0.0.1:5000/v2/a/blobs/uploads/x?_state=REDACTED', status: 201, ms: 9, bytes: 0, sentBytes: 4096 },
          { method: 'GET', url: 'https://127.0.0.1:5000/v2/', ms: 1, bytes: 0, error: 'ECONNREFUSED' },
        ]}
      />,
    );
    const lines = view.lastFrame()!.split('\n');
    expect(lines[0]).toBe('4 requests, 2.1 KiB received');
    expect(lines[1]).toMatch(/^PUT +201 +9 ms +0 B 127\.0\.0\.1:5000\/v2\/a\/blobs\/uploads\/x\?_state=REDACTED ↑4\.0 KiB$/);
    expect(lines[2]).toMatch(/^GET +ERR +1 ms +0 B 127\.0\.0\.1:5000\/v2\/ \(ECONNREFUSED\)$/);
    expect(lines).toHaveLength(3);
  });
});
