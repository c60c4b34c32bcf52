/**
 * docs/cli.md cannot go stale: its command reference is generated from the commander
 * definitions (UPDATE=1 rewrites it), every command states the shared exit codes, and every
 * option the prose mentions exists.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { EXIT_CODE_MEANINGS } from '../../src/cli/exit-codes.js';
import { END, START, exitCodes, generateCliReference } from './cli-reference.js';

const DOC = 'docs/cli.md';

describe('docs/cli.md', () => {
  test('the command reference matches the command definitions', () => {
    const doc = readFileSync(DOC, 'utf8');
    const fresh = generateCliReference();
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    const current = start >= 0 && end > start ? doc.slice(start, end + END.length) : '';
    if (process.env.UPDATE === '1' && current !== fresh) {
      writeFileSync(DOC, current ? doc.replace(current, fresh) : `${doc.trimEnd()}\n\n${fresh}\n`);
      return;
    }
    expect(current).toBe(fresh);
  });

  test('every command lists its exit codes, all from the shared table, 0 and 2 always', () => {
    for (const cmd of createProgram(() => {}).commands) {
      const codes = exitCodes(cmd).map(([c]) => c);
      expect([cmd.name(), codes.slice(0, 1)]).toEqual([cmd.name(), [0]]);
      expect(codes, cmd.name()).toContain(2);
      for (const c of codes) expect(Object.keys(EXIT_CODE_MEANINGS).map(Number)).toContain(c);
    }
  });

  test('the exit-code table of the conventions section is the shared one', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const [c, meaning] of Object.entries(EXIT_CODE_MEANINGS)) expect(doc).toContain(`| ${c} | ${meaning} |`);
  });

  test('every option the hand-written part names exists on some command', () => {
    const doc = readFileSync(DOC, 'utf8');
    const prose = doc.slice(0, doc.indexOf(START));
    const known = new Set(createProgram(() => {}).commands.flatMap((c) => c.options.map((o) => o.long)).concat(['--help', '--version']));
    const named = [...prose.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]);
    expect(named.filter((o) => !known.has(o))).toEqual([]);
  });
});
