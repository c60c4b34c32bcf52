/**
 * Training phase — feedback while training. On a terminal: a cli-progress bar with step,
 * loss, tokens/s and ETA. Otherwise (CI logs, pipes): one plain line every `logEvery` steps
 * and at the last step. `silent` for tests and library use.
 */
import cliProgress from 'cli-progress';
import type { StepMetrics } from './metrics.js';

export interface Progress {
  start(total: number, from: number): void;
  step(m: StepMetrics, total: number): void;
  /** A message that must not be overwritten by the bar. */
  log(line: string): void;
  stop(): void;
}

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'silent';

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr, logEvery = 1): Progress {
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'plain') : mode;
  if (resolved === 'silent') return { start() {}, step() {}, log() {}, stop() {} };
  if (resolved === 'plain') {
    let started = Date.now();
    let from = 0;
    return {
      start(_total, f) {
        started = Date.now();
        from = f;
      },
      step(m, total) {
        if (m.step % logEvery !== 0 && m.step !== total && m.eval_loss === undefined) return;
        const rate = (m.step - from) / ((Date.now() - started) / 1000);
        const eta = (total - m.step) / rate;
        stream.write(
          `step ${m.step}/${total}  loss ${m.loss.toFixed(4)}  aux ${m.aux_loss.toExponential(2)}  lr ${m.lr.toExponential(2)}` +
            `  gnorm ${m.grad_norm.toFixed(3)}  ${Math.round(m.tokens_per_s)} tok/s  eta ${formatSeconds(eta)}` +
            (m.eval_loss !== undefined ? `  eval_loss ${m.eval_loss.toFixed(4)}` : '') +
            '\n',
        );
      },
      log: (line) => void stream.write(line + '\n'),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'step {value}/{total} {bar} {percentage}% | loss {loss}{evalLoss} | {tps} tok/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, from) => bar.start(total, from, { loss: '-', tps: '-', evalLoss: '' }),
    step: (m) => {
      const evalLoss = m.eval_loss !== undefined ? ` (eval ${m.eval_loss.toFixed(4)})` : undefined;
      bar.update(m.step, { loss: m.loss.toFixed(4), tps: Math.round(m.tokens_per_s), ...(evalLoss ? { evalLoss } : {}) });
    },
    log(line) {
      bar.stop();
      stream.write(line + '\n');
    },
    stop: () => bar.stop(),
  };
}
