/** STUB (owned by the front-end work): read + parse one spec file, following imports/extends. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from './spans.js';
import type { Sources } from './source.js';

export interface ReadSpecResult {
  /** The merged spec object (unvalidated), absent when nothing usable was parsed. */
  spec: unknown | undefined;
  spans: SpanMap;
  diagnostics: Diagnostic[];
}

export function readSpecFile(_file: string, _sources: Sources): ReadSpecResult {
  throw new Error('readSpecFile: not implemented yet');
}
