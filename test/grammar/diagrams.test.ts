import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGRAMS_PATH, generateDiagramsHtml } from '../tools/gen-diagrams.js';
import { MoeParser } from '../../grammar/parser.js';
import { Lexer } from 'chevrotain';
import { allTokens } from '../../grammar/tokens.js';

describe('grammar', () => {
  it('passes Chevrotain validation (no ambiguity, no left recursion) and the lexer validates', () => {
    expect(() => new MoeParser(true)).not.toThrow();
    expect(() => new Lexer(allTokens, { positionTracking: 'full', skipValidations: false })).not.toThrow();
  });

  it('docs/syntax-diagrams.html is up to date (regenerate: npm run diagrams, or UPDATE=1)', () => {
    const fresh = generateDiagramsHtml();
    if (process.env.UPDATE === '1') writeFileSync(DIAGRAMS_PATH, fresh);
    expect(existsSync(DIAGRAMS_PATH)).toBe(true);
    expect(readFileSync(DIAGRAMS_PATH, 'utf8')).toBe(fresh);
    for (const rule of ['file', 'importStatement', 'model', 'block', 'entry', 'value', 'number', 'list']) expect(fresh).toContain(`"name": "${rule}"`);
    expect(fresh).not.toContain('unpkg.com');
  });
});
