/** CLI: shared type for command definition modules (src/cli/commands/*.ts). */
import type { Command } from 'commander';
import type { Action } from './main.js';

export type Wrap = (action: Action) => (...args: unknown[]) => Promise<void>;
export type DefineCommand = (program: Command, wrap: Wrap) => void;
