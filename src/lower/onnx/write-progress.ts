/**
 * ONNX output — progress while a compile writes, for a terminal: tensors, bytes, rate and ETA
 * of each model written (a model folder writes one per variant). On anything but a TTY
 * (CI logs, pipes, `--format json`) there is no progress output at all: `createWriteProgress`
 * returns undefined and the compile is silent until its summary.
 */
import cliProgress from 'cli-progress';
import type { WriteModelOptions } from './write-model.js';

export interface WriteProgress {
  onProgress: NonNullable<WriteModelOptions['onProgress']>;
  stop(): void;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${UNITS[i]}`;
}

export function createWriteProgress(stream: NodeJS.WriteStream = process.stderr): WriteProgress | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'writing model {model} {bar} {percentage}% | {tensors} tensors | {done} of {size} | {rate}/s | ETA {eta_formatted}',
      // The cursor stays visible: a compile stopped by Ctrl-C dies by its signal (write-model.ts
      // re-raises it after removing its temporaries) with no chance to show it again.
      hideCursor: false,
      etaBuffer: 50,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let model = 0;
  let last = Infinity;
  let started = 0;
  let running = false;
  return {
    onProgress(written, total, tensors) {
      const seconds = Math.max(1e-3, (Date.now() - started) / 1000);
      const payload = () => ({
        model,
        tensors: `${tensors.done.toLocaleString('en-US')}/${tensors.total.toLocaleString('en-US')}`,
        done: formatBytes(written),
        size: formatBytes(total),
        rate: formatBytes(written / seconds),
      });
      // A smaller count than before: the next model of the folder started.
      if (written < last || !running) {
        if (running) bar.stop();
        model++;
        started = Date.now();
        bar.start(total, written, payload());
        running = true;
      }
      last = written;
      bar.setTotal(total);
      bar.update(written, payload());
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
