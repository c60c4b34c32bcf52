/**
 * Training phase — run/run.json: who trained this run and how, one entry per session (the
 * first start and every --resume): moec version, spec file and hash, the backend that ran
 * (and its wasm threads),
 * seed, steps, data files and fingerprint. `moec report` reads it for its header.
 */
import { existsSync, readFileSync } from 'node:fs';
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

export function readRunLog(dir: string): RunLog | undefined {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunLog;
  } catch {
    return undefined;
  }
}

export function appendRunSession(dir: string, base: Omit<RunLog, 'sessions'>, session: Omit<RunSession, 'started' | 'moecVersion'>): void {
  const log = readRunLog(dir) ?? { ...base, sessions: [] };
  log.sessions.push({ started: new Date().toISOString(), moecVersion: VERSION, ...session });
  replaceFileAtomic(join(dir, RUN_FILE), JSON.stringify(log, null, 2) + '\n');
}
