// The live view's and the browser's measure of text width, standing in for string-width
// in their bundles (scripts/build.mjs). ink measures every line of every frame; string-width
// answers any line that is not plain ASCII through Intl.Segmenter and an RGI-emoji
// regular expression, whose first use alone costs the view's thread about 20 ms. The
// view's own lines are ASCII plus a few symbols that are one column wide, so those are
// counted here and anything else is left to string-width.
import stringWidth from 'string-width';

/** SGR sequences (colours, bold): what chalk puts around the view's text. */
const SGR = /\x1b\[[0-9;]*m/g;

/**
 * Printable ASCII and the symbols the views draw, each one column: the live view's
 * · – ’ § … → ↑ ↓ ≥ █ ░ ✓ ✗, and the browser's box drawing (U+2500–U+257F), • › ‹ × ▸ ▾
 * — ← ⟳ é.
 */
const ONE_COLUMN =
  /^[\x20-\x7e\u00b7\u2013\u2019\u00a7\u2026\u2192\u2191\u2193\u2265\u2588\u2591\u2713\u2717\u2500-\u257f\u2022\u203a\u2039\u00d7\u25b8\u25be\u2014\u2190\u27f3\u00e9]*$/;

type Options = Parameters<typeof stringWidth>[1];

export default function textWidth(text: string, options?: Options): number {
  if (typeof text === 'string' && options === undefined) {
    const plain = text.includes('\x1b') ? text.replace(SGR, '') : text;
    if (!plain.includes('\x1b') && !plain.includes('\x9b') && ONE_COLUMN.test(plain)) return plain.length;
  }
  return stringWidth(text, options);
}
