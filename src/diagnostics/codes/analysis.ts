/**
 * Diagnostic codes MOE4xxx (analysis). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with a note. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const analysisCodes = defineCodes({
});
