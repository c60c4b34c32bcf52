/**
 * Hostile-input fuzzer — the seed corpus: every shipped spec (specs/*.moe) in its three forms,
 * `.moe` as written and `.moe.json` / `.moe.yaml` from the object it lowers to, so mutants of
 * all three front ends start from real models.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readSpecFile } from '../../../src/spec/read-spec-file.js';

export type SpecFormat = '.moe' | '.moe.json' | '.moe.yaml';

export interface Seed {
  name: string;
  format: SpecFormat;
  text: string;
}

export function loadCorpus(dir = 'specs'): Seed[] {
  const seeds: Seed[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.moe')).sort()) {
    const file = join(dir, f);
    const text = readFileSync(file, 'utf8');
    const spec = readSpecFile(file, new Map()).spec;
    if (spec === undefined) throw new Error(`shipped spec ${file} does not parse`);
    seeds.push({ name: f, format: '.moe', text });
    seeds.push({ name: f, format: '.moe.json', text: JSON.stringify(spec, null, 2) + '\n' });
    seeds.push({ name: f, format: '.moe.yaml', text: stringify(spec) });
  }
  return seeds;
}
