/**
 * Progress while a compile writes (write-progress.ts): nothing at all when stderr is not a
 * terminal; on a terminal, the model, tensors done, bytes and ETA, and a new bar per model.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createWriteProgress, formatBytes } from '../../../src/lower/onnx/write-progress.js';

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = new Writable({
    write(chunk, _enc, done) {
      (s as unknown as { text: string }).text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: string };
  Object.assign(s, { text: '', isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return s;
}

describe('write progress', () => {
  it('is silent off a terminal', () => {
    expect(createWriteProgress(terminal(false))).toBeUndefined();
  });

  it('leaves the cursor alone: Ctrl-C kills the compile by its signal, with no chance to show a hidden cursor again', () => {
    const stream = terminal(true);
    const p = createWriteProgress(stream)!;
    p.onProgress(1024, 8 * 2 ** 20, { done: 1, total: 5 });
    expect(stream.text).toContain('writing model 1');
    expect(stream.text).not.toContain('\x1b[?25l');
    p.stop();
  });

  it('shows tensors, bytes and ETA on a terminal, and starts a new bar for the next model', () => {
    const stream = terminal(true);
    const p = createWriteProgress(stream)!;
    p.onProgress(16 * 2 ** 20, 64 * 2 ** 20, { done: 3, total: 12 });
    p.onProgress(64 * 2 ** 20, 64 * 2 ** 20, { done: 12, total: 12 });
    p.onProgress(1024, 8 * 2 ** 20, { done: 1, total: 5 });
    p.stop();
    expect(stream.text).toContain('writing model 1');
    expect(stream.text).toContain('12/12 tensors');
    expect(stream.text).toContain('64.0 MiB of 64.0 MiB');
    expect(stream.text).toContain('writing model 2');
    expect(stream.text).toMatch(/ETA/);
    expect(stream.text).not.toContain('{');
  });

  it('formats sizes in binary units', () => {
    expect([0, 1536, 5 * 2 ** 20, 3.5 * 2 ** 30].map(formatBytes)).toEqual(['0 B', '1.5 KiB', '5.0 MiB', '3.5 GiB']);
  });
});
