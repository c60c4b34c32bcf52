/**
 * Checkpoint readers — where a checkpoint is: a checkpoint directory (it has manifest.json) or
 * a run directory, whose `latest` names `checkpoints/step-NNNNNN`. `latest` is read as a small
 * regular file and may name nothing else: never a path out of the run directory.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import { describeReadFailure, readRegularFile } from '../io/read-file.js';
import { CHECKPOINTS_DIR, LATEST_FILE, MANIFEST_FILE } from './format.js';

const MAX_LATEST_BYTES = 4096;
const LATEST_NAME = /^(?:checkpoints\/)?(step-\d{6,})$/;

const fail = <T>(d: Diagnostic): Result<T | undefined> => ({ value: undefined, diagnostics: [d] });

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const exists = (path: string): boolean => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The checkpoint directory for a run dir (follows `latest`) or a checkpoint dir (has manifest.json). */
export function resolveCheckpointDir(path: string): Result<string | undefined> {
  if (!isDirectory(path)) return fail(createDiagnostic('MOE6500', { args: { path, reason: 'not a directory' } }));
  if (exists(join(path, MANIFEST_FILE))) return { value: path, diagnostics: [] };
  const latest = join(path, LATEST_FILE);
  if (!exists(latest)) {
    const reason = exists(join(path, CHECKPOINTS_DIR))
      ? 'the run has no `latest` file (it was stopped before its first checkpoint completed)'
      : 'it has neither a `latest` file nor a manifest.json';
    return fail(createDiagnostic('MOE6500', { args: { path, reason } }));
  }
  const read = readRegularFile(latest, MAX_LATEST_BYTES);
  if (!read.ok) return fail(createDiagnostic('MOE6500', { args: { path, reason: `cannot read \`latest\`: ${describeReadFailure(read)}` } }));
  const named = read.bytes.toString('utf8').trim();
  // `latest` holds `checkpoints/step-NNNNNN` (a bare `step-NNNNNN` is accepted): never a path
  // out of the run directory, whatever the file says.
  const m = LATEST_NAME.exec(named);
  if (!m) return fail(createDiagnostic('MOE6500', { args: { path, reason: `\`latest\` holds ${JSON.stringify(named.slice(0, 80))}, not checkpoints/step-NNNNNN` } }));
  const dir = join(path, CHECKPOINTS_DIR, m[1]!);
  if (!exists(join(dir, MANIFEST_FILE))) {
    return fail(createDiagnostic('MOE6500', { args: { path, reason: `\`latest\` names ${named}, which has no manifest.json` } }));
  }
  return { value: dir, diagnostics: [] };
}
