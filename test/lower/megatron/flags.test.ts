/**
 * The pinned flag table against Megatron-LM's own parser: every row's argparse facts (action,
 * type, choices, nargs, default) equal the dump of pretrain_gpt.py's parser at the same tag
 * (test/fixtures/megatron/parser-core_v0.19.0.json, written by test/tools/megatron/dump-parser.py
 * from the Megatron-LM checkout), and checkArg holds values to those facts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { arg, checkArg, over } from '../../../src/lower/megatron/args.js';
import { FLAGS, MEGATRON_CORE, type Flag } from '../../../src/lower/megatron/flags-core_v0.19.0.js';

interface Dumped {
  flags: string[];
  dest: string;
  action: string;
  type: string | null;
  choices: (string | number)[] | null;
  nargs: string | number | null;
  default: unknown;
}

const dump: Dumped[] = JSON.parse(readFileSync(`test/fixtures/megatron/parser-${MEGATRON_CORE.tag}.json`, 'utf8'));
const byFlag = new Map(dump.flatMap((a) => a.flags.map((f) => [f, a] as const)));
const ACTIONS: Record<string, string> = { _StoreAction: 'store', _StoreTrueAction: 'store_true', _StoreFalseAction: 'store_false' };
const TYPES: Record<string, string> = { int: 'int', float: 'float', str: 'str', moe_freq_type: 'pattern', tuple_type: 'tuple' };

describe(`flag table ${MEGATRON_CORE.tag}`, () => {
  test.each(Object.keys(FLAGS) as Flag[])('%s matches the parser', (flag) => {
    const row = FLAGS[flag];
    const parsed = byFlag.get(flag);
    expect(parsed, `${flag} is not an argument of pretrain_gpt.py at ${MEGATRON_CORE.tag}`).toBeDefined();
    expect(row.action).toBe(ACTIONS[parsed!.action]);
    if (row.action === 'store') expect('type' in row ? row.type : undefined).toBe(parsed!.type === null ? 'str' : TYPES[parsed!.type]);
    expect('choices' in row ? row.choices : null).toEqual(parsed!.choices);
    expect('nargs' in row ? row.nargs : null).toBe(parsed!.nargs === '+' || parsed!.nargs === '*' ? parsed!.nargs : null);
    expect(row.default).toEqual(parsed!.default);
    expect(row.source).toMatch(/^megatron\/[\w/]+\.py:\d+$/);
  });

  test('the pinned release is a tag with its commit', () => {
    expect(MEGATRON_CORE.tag).toMatch(/^core_v0\.\d+\.\d+$/);
    expect(MEGATRON_CORE.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('checkArg holds values to argparse', () => {
  test('an int flag rejects a float or exponent form; a float flag accepts them', () => {
    expect(() => arg('--rotary-base', 10000.5)).toThrow(/not an integer/);
    expect(() => arg('--num-layers', '1e3')).toThrow(/not an integer/);
    expect(arg('--lr', 2.2e-7).values).toEqual(['2.2e-7']);
    expect(arg('--lr', 0.0001).values).toEqual(['0.0001']);
  });
  test('whole numbers past 1e21 are written in digits, which int() parses (JavaScript would write 1e+21)', () => {
    expect(arg('--rotary-base', 1e21).values).toEqual(['1000000000000000000000']);
    expect(arg('--rotary-base', 500000).values).toEqual(['500000']);
    expect(arg('--lr', 1e-21).values).toEqual(['1e-21']);
  });
  test('choices are closed; switches take no value; single-value flags take one', () => {
    expect(() => arg('--normalization', 'rmsnorm')).toThrow(/not one of/);
    expect(() => checkArg({ flag: '--swiglu', values: ['1'] })).toThrow(/switch/);
    expect(() => checkArg({ flag: '--num-layers', values: ['1', '2'] })).toThrow(/one value/);
    expect(arg('--data-path', ['0.5', 'a', '0.5', 'b']).values).toHaveLength(4);
  });
  test('list expressions use only the characters Megatron evaluates', () => {
    expect(arg('--moe-layer-freq', '[0]*3+[1]*58').values).toEqual(['[0]*3+[1]*58']);
    expect(() => arg('--moe-layer-freq', '__import__("os")')).toThrow();
  });
  test('an override names Megatron\'s default only when the value differs from it', () => {
    expect(over('--adam-beta2', 0.95).note).toBe('Megatron defaults to 0.999');
    expect(over('--adam-beta2', 0.999).note).toBeUndefined();
    expect(over('--norm-epsilon', 1e-5).note).toBeUndefined();
    expect(over('--normalization', 'RMSNorm').note).toBe('Megatron defaults to LayerNorm');
  });
});
