/**
 * Training phase — run/run.json: who trained this run and how, one entry per session (the
 * first start and every --resume): moec version, spec file and hash, the backend that ran
 * (and its wasm threads),
 * seed, steps, data files and fingerprint. `moec report` reads it for its header.
 */
import { readRegularFile } from '../io/read-file.js';
import { join } from 'node:path';
import { replaceFileAtomic } from '../checkpoint/fs-atomic.js';
import { VERSION } from '../version.js';

export const RUN_FILE = 'run.json';

export interface RunSession {
  started: string;
  moecVersion: string;
  backend: string;
  backendDetails: string[];
  /** Threads the wasm backend computed on (absent for other backends and runs before moec 0.2). */
  threads?: number;
  /** Step the session started from (0 for a fresh run). */
  fromStep: number;
  totalSteps: number;
  seed: number;
  data: string[];
  dataTokens: number;
  dataFingerprint: string;
  argv: string[];
}

export interface RunLog {
  name: string;
  spec: string;
  specHash: string;
  /** What the weights fit (src/ir/architecture.ts); absent in runs started before moec 0.2. */
  architectureHash?: string;
  sessions: RunSession[];
}

/** run.json grows by one session per resume: a few kilobytes. */
const MAX_RUN_FILE_BYTES = 16 * 2 ** 20;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** run.json, or undefined when it is missing, unreadable or not the shape moec writes. */
export function readRunLog(dir: string): RunLog | undefined {
  const read = readRegularFile(join(dir, RUN_FILE), MAX_RUN_FILE_BYTES);
  if (!read.ok) return undefined;
  try {
    const v = JSON.parse(read.bytes.toString('utf8')) as unknown;
    if (!isRecord(v) || typeof v.name !== 'string' || typeof v.spec !== 'string' || typeof v.specHash !== 'string' || !Array.isArray(v.sessions)) return undefined;
    const sessions = v.sessions.filter(
      (x): x is RunSession => isRecord(x) && typeof x.started === 'string' && typeof x.backend === 'string' && Array.isArray(x.backendDetails) && x.backendDetails.every((d) => typeof d === 'string') &&
        typeof x.moecVersion === 'string' && Number.isSafeInteger(x.fromStep) && Number.isSafeInteger(x.seed) && Number.isSafeInteger(x.dataTokens),
    );
    return { ...(v as unknown as RunLog), sessions };
  } catch {
    return undefined;
  }
}

export function appendRunSession(dir: string, base: Omit<RunLog, 'sessions'>, session: Omit<RunSession, 'started' | 'moecVersion'>): void {
  const log = readRunLog(dir) ?? { ...base, sessions: [] };
  log.sessions.push({ started: new Date().toISOString(), moecVersion: VERSION, ...session });
  replaceFileAtomic(join(dir, RUN_FILE), JSON.stringify(log, null, 2) + '\n');
}
