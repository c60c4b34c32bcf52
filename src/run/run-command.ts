/**
 * Run phase — `moec run model.onnx --prompt … | --ids …`: validate the prompt against the model,
 * generate greedily, stream the continuation to stdout and report tokens/s on stderr (or one
 * JSON document). Exit 0 ok, 1 model or inference problems, 2 usage.
 */
import type { RunOptions } from '../cli/commands/run.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from '../cli/main.js';
import { renderPretty } from '../cli/render/pretty.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { ByteDecoder, decodeBytes, encodeBytes, visibleText } from './byte-tokenizer.js';
import { generateGreedy, type Generation } from './generate.js';
import { openLmSession } from './lm-session.js';
import { escapeControls } from '../io/escape-text.js';

/**
 * `--ids 1,2,3` (commas and/or spaces) → ids, or the reason it is not a list of ids. Strict:
 * an empty item (`1,,2`, a trailing comma) is an error, not skipped.
 */
export function parseIds(text: string): number[] | string {
  const trimmed = text.trim();
  if (/^[\s,]*$/.test(trimmed)) return 'no token ids given';
  const parts = trimmed.split(/\s*,\s*|\s+/);
  const empty = parts.indexOf('');
  if (empty !== -1) return `item ${empty + 1} is empty (two commas in a row, or a comma at an end)`;
  const ids: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(Number(p))) return `\`${p}\` is not a token id (a whole number ≥ 0)`;
    ids.push(Number(p));
  }
  return ids;
}

function promptIds(options: RunOptions): { ids?: number[]; diagnostic?: Diagnostic } {
  if ((options.prompt === undefined) === (options.ids === undefined)) {
    const reason = options.prompt === undefined ? 'give a prompt: --prompt <text> or --ids <ids>' : 'give either --prompt or --ids, not both';
    return { diagnostic: createDiagnostic('MOE5515', { args: { reason } }) };
  }
  if (options.prompt !== undefined) {
    if (options.prompt === '') return { diagnostic: createDiagnostic('MOE5515', { args: { reason: 'the prompt is empty' } }) };
    return { ids: encodeBytes(options.prompt) };
  }
  const parsed = parseIds(options.ids!);
  if (typeof parsed === 'string') return { diagnostic: createDiagnostic('MOE5512', { args: { text: options.ids!, reason: parsed } }) };
  return { ids: parsed };
}

function printDiagnostics(diagnostics: Diagnostic[], format: RunOptions['format']): void {
  if (format === 'pretty' && diagnostics.length) process.stderr.write(renderPretty(diagnostics, new Map()));
}

export async function runModel(model: string, options: RunOptions): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const finish = (code: number, result?: object) => {
    if (options.format === 'json') {
      const doc = { version: 1, ok: code === EXIT_OK, diagnostics: diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })), ...(result ? { result } : {}) };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else printDiagnostics(diagnostics, options.format);
    return code;
  };
  const prompt = promptIds(options);
  if (prompt.diagnostic) {
    diagnostics.push(prompt.diagnostic);
    return finish(EXIT_USAGE);
  }
  const ids = prompt.ids!;
  const opened = await openLmSession(model, options.threads);
  diagnostics.push(...opened.diagnostics);
  if (!opened.value) return finish(EXIT_ERRORS);
  const lm = opened.value;
  try {
    const vocab = lm.vocab;
    if (options.prompt !== undefined && vocab !== undefined && vocab < 256) diagnostics.push(createDiagnostic('MOE5514', { args: { vocab } }));
    const bad = vocab === undefined ? undefined : ids.find((id) => id >= vocab);
    if (bad !== undefined) diagnostics.push(createDiagnostic('MOE5513', { args: { id: bad, vocab: vocab! } }));
    if (hasErrors(diagnostics)) return finish(EXIT_ERRORS);

    // Ids mode shows text only for a plain byte vocabulary; other vocabularies need their own tokenizer.
    const text = options.prompt !== undefined || vocab === 256;
    const decoder = new ByteDecoder();
    const stream = options.format === 'pretty' && options.prompt !== undefined;
    if (stream) process.stdout.write(visibleText(options.prompt!));
    let gen: Generation;
    try {
      gen = await generateGreedy(lm, ids, {
        maxNewTokens: options.maxNewTokens,
        context: lm.context,
        onToken: (id) => {
          if (stream) process.stdout.write(visibleText(decoder.push(id)));
        },
      });
    } catch (err) {
      if (stream) process.stdout.write('\n');
      diagnostics.push(createDiagnostic('MOE5516', { args: { path: model, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] } }));
      return finish(EXIT_ERRORS);
    }
    if (gen.stoppedAtContext) diagnostics.push(createDiagnostic('MOE5517', { args: { generated: gen.ids.length, context: lm.context! } }));
    const perSecond = gen.total > 0 ? gen.ids.length / gen.total : 0;
    const result = {
      model,
      promptIds: ids,
      generatedIds: gen.ids,
      ...(text ? { text: decodeBytes(gen.ids) } : {}),
      tokensPerSecond: perSecond,
      firstStepSeconds: gen.firstStep,
      totalSeconds: gen.total,
      kvCache: false,
    };
    if (options.format === 'pretty') {
      if (stream) process.stdout.write(visibleText(decoder.end()) + '\n');
      else {
        process.stdout.write(`generated ids: ${gen.ids.join(', ')}\n`);
        if (text) process.stdout.write(`as text: ${escapeControls(JSON.stringify(result.text))}\n`);
      }
      process.stderr.write(
        `${gen.ids.length} tokens in ${gen.total.toFixed(2)} s: ${perSecond.toFixed(1)} tokens/s ` +
          `(first step ${(gen.firstStep * 1000).toFixed(1)} ms; greedy, full sequence re-run per token, no KV cache)\n`,
      );
    }
    return finish(EXIT_OK, result);
  } finally {
    await lm.session.release();
  }
}
