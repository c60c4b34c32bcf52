/**
 * Phase: lexing/parsing (loading the library).
 * Loads Chevrotain's single-file bundle instead of its package entry. The entry point
 * (lib/src/api.js) is ~100 ES modules, which costs `moec check` about 40 ms of cold start just
 * to resolve and link; the bundle (lib/chevrotain.min.mjs, shipped in the same package) is one
 * file with the same API. Falls back to the entry point if the bundle is ever missing.
 * Types still come from 'chevrotain' (`import type`), so nothing else changes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain'); // …/chevrotain/lib/src/api.js
    return (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.min.mjs')).href)) as Chevrotain;
  } catch {
    return import('chevrotain');
  }
}

export const chevrotain: Chevrotain = await load();
