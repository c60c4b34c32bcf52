/**
 * Terminal colour for the pretty diagnostics, decided as tsc, eslint and Node itself decide it:
 * FORCE_COLOR wins (`0`/`false` off, anything else on, even into a pipe), else NO_COLOR (set and
 * non-empty, no-color.org) or NODE_DISABLE_COLORS or TERM=dumb turn it off, else colour exactly
 * when the stream is a terminal. Machine formats (json, sarif, github) are never coloured.
 */
import type { Severity } from '../../diagnostics/diagnostic.js';

type Env = Record<string, string | undefined>;

export function colorEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR || env.NODE_DISABLE_COLORS !== undefined || env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** How each part of a diagnostic is drawn; identity when colour is off. */
export interface Painter {
  location(text: string): string;
  severity(severity: Severity, text: string): string;
  code(text: string): string;
  hint(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const red = sgr(31, 39);
const yellow = sgr(33, 39);
const cyan = sgr(36, 39);
const grey = sgr(90, 39);
const bold = sgr(1, 22);

const plain = (text: string) => text;
export const NO_COLOR_PAINTER: Painter = { location: plain, severity: (_s, t) => t, code: plain, hint: plain };

/** tsc's palette: location cyan, errors red, warnings yellow, codes grey. */
export const COLOR_PAINTER: Painter = {
  location: cyan,
  severity: (s, t) => (s === 'error' ? bold(red(t)) : s === 'warning' ? bold(yellow(t)) : bold(cyan(t))),
  code: grey,
  hint: cyan,
};

export function painterFor(stream: { isTTY?: boolean }, env?: Env): Painter {
  return colorEnabled(stream, env) ? COLOR_PAINTER : NO_COLOR_PAINTER;
}
