/**
 * Phase: reading (and every renderer after it).
 * Source text registry: every file read during a run, so renderers can show the offending
 * line under a diagnostic, and so imports are read once.
 */
export type Sources = Map<string, string>;
