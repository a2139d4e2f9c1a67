import chalk, { Chalk } from 'chalk';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import textWidth from './text-width.js';

const colour = new Chalk({ level: 3 });

describe('textWidth', () => {
  const viewLines = [
    '',
    'push  127.0.0.1:5000/bench/lazy  ████████░░░░  412.0 MiB / 600.0 MiB  210 MiB/s  ETA 1s',
    '✓ sha256:0123456789ab  3 uploaded · 1 skipped',
    '✗ cannot connect – connection refused',
    '→ ↑ ↓ ≥ … § ’',
    colour.green('✓ done') + ' ' + colour.bold.red('✗ failed') + colour.dim(' · 4 blobs'),
    // The browser's: borders, the selection mark, the path and the status line.
    '┏━━━━┓╭────╮┃│┗━━┛╰──╯├└',
    colour.cyan('▸reg.test › team/app') + ' • ‹ × ▾ — ← ⟳ é',
  ];

  it('agrees with string-width on the lines the view draws', () => {
    for (const line of viewLines) expect(textWidth(line), JSON.stringify(line)).toBe(stringWidth(line));
  });

  it('leaves anything else to string-width', () => {
    const others = ['日本語のタグ', 'emoji 🚀 here', 'e\u0301', 'tab\there', 'zero\u200bwidth', '\x1b]8;;https://x\x07link\x1b]8;;\x07', 'wide ✅ check'];
    for (const line of others) expect(textWidth(line), JSON.stringify(line)).toBe(stringWidth(line));
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('🚀')).toBe(2);
  });

  it('passes options through', () => {
    expect(textWidth('…', { ambiguousIsNarrow: false })).toBe(stringWidth('…', { ambiguousIsNarrow: false }));
    expect(textWidth('…', { ambiguousIsNarrow: false })).toBe(2);
    expect(textWidth(chalk.red('ab'), { countAnsiEscapeCodes: true })).toBe(stringWidth(chalk.red('ab'), { countAnsiEscapeCodes: true }));
  });
});
