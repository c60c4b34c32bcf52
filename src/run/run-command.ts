/**
 * Run phase — `moec run <folder | model.onnx> --prompt … | --ids … | --prompts <file>`: validate
 * the prompts against the model, generate through the KV cache (decoder.ts; whole-sequence
 * re-runs with --no-cache or for a model without a cache), greedy or sampled (sampling.ts),
 * stream a single prompt's continuation to stdout and report tokens/s on stderr (or one JSON
 * document). Exit 0 ok, 1 model or inference problems, 2 usage (including a missing model or a
 * spec given in its place).
 */
import { basename } from 'node:path';
import type { RunOptions } from '../cli/commands/run.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../cli/exit-codes.js';
import { writeDiagnostics } from '../cli/render/pretty.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { visibleText } from './byte-tokenizer.js';
import { byteCodec, tokenizerCodec, type TextCodec } from './text-codec.js';
import { checkTokenizerVocab, loadTokenizer } from '../train/tokenizer.js';
import { CachedDecoder, RecomputeDecoder, type Decoder } from './decoder.js';
import { generate, type Generation } from './generate.js';
import { openLmSession, type LmSession } from './lm-session.js';
import { isSpecFile } from './is-spec-file.js';
import { folderTokenizerPath } from './model-path.js';
import { readPrompts } from './prompts-file.js';
import { createSampler } from './sampling.js';
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

interface Prompts {
  ids: number[][];
  /** The prompts as text (--prompt, --prompts), or undefined for --ids. */
  texts?: string[];
}

function readPromptIds(options: RunOptions, codec: TextCodec): { prompts?: Prompts; diagnostics: Diagnostic[]; usage?: boolean } {
  const given = [options.prompt, options.ids, options.prompts].filter((x) => x !== undefined).length;
  if (given !== 1) {
    const reason = given === 0 ? 'give a prompt: --prompt <text>, --ids <ids> or --prompts <file>' : 'give one of --prompt, --ids and --prompts';
    return { diagnostics: [createDiagnostic('MOE5515', { args: { reason } })], usage: true };
  }
  if (options.prompt !== undefined) {
    if (options.prompt === '') return { diagnostics: [createDiagnostic('MOE5515', { args: { reason: 'the prompt is empty' } })], usage: true };
    return { prompts: { ids: [codec.encode(options.prompt)], texts: [options.prompt] }, diagnostics: [] };
  }
  if (options.prompts !== undefined) {
    const read = readPrompts(options.prompts);
    if (!read.value) return { diagnostics: read.diagnostics };
    return { prompts: { ids: read.value.map((p) => codec.encode(p)), texts: read.value }, diagnostics: [] };
  }
  const parsed = parseIds(options.ids!);
  if (typeof parsed === 'string') return { diagnostics: [createDiagnostic('MOE5512', { args: { text: options.ids!, reason: parsed } })], usage: true };
  return { prompts: { ids: [parsed] }, diagnostics: [] };
}

function checkPrompts(lm: LmSession, prompts: Prompts, codec: TextCodec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const vocab = lm.vocab;
  if (prompts.texts && codec === byteCodec && vocab !== undefined && vocab < 256) out.push(createDiagnostic('MOE5514', { args: { vocab } }));
  const bad = vocab === undefined ? undefined : prompts.ids.flat().find((id) => id >= vocab);
  if (bad !== undefined) out.push(createDiagnostic('MOE5513', { args: { id: bad, vocab: vocab! } }));
  return out;
}

function samplingLabel(o: RunOptions): string {
  if (o.temperature === 0) return 'greedy';
  const parts = [`temperature ${o.temperature}`];
  if (o.topK > 0) parts.push(`top-k ${o.topK}`);
  if (o.topP < 1) parts.push(`top-p ${o.topP}`);
  return `sampling ${parts.join(', ')}, seed ${o.seed}`;
}

export async function runModel(model: string, options: RunOptions): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const finish = (code: number, result?: object) => {
    if (options.format === 'json') {
      const doc = { version: 1, ok: code === EXIT_OK, diagnostics: diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })), ...(result ? { result } : {}) };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else if (diagnostics.length) writeDiagnostics(process.stderr, diagnostics, new Map());
    return code;
  };
  // A folder that ships the model's own tokenizer encodes with it unless --tokenizer says otherwise.
  const tokenizerPath = options.tokenizer ?? folderTokenizerPath(model);
  const tokenizer = tokenizerPath !== undefined ? loadTokenizer(tokenizerPath) : undefined;
  if (tokenizer) diagnostics.push(...tokenizer.diagnostics);
  if (tokenizer && !tokenizer.value) return finish(EXIT_ERRORS);
  const codec = tokenizer?.value ? tokenizerCodec(tokenizer.value) : byteCodec;
  const read = readPromptIds(options, codec);
  diagnostics.push(...read.diagnostics);
  if (!read.prompts) return finish(read.usage ? EXIT_USAGE : EXIT_ERRORS);
  const prompts = read.prompts;
  if (isSpecFile(model)) {
    const onnx = `${basename(model).replace(/\.moe(\.json|\.ya?ml)?$/i, '')}/`;
    diagnostics.push(createDiagnostic('MOE9010', { args: { path: model, model: onnx } }));
    return finish(EXIT_USAGE);
  }
  const opened = await openLmSession(model, options.threads, options.variant);
  diagnostics.push(...opened.diagnostics);
  if (!opened.value) return finish(exitCodeFor(opened.diagnostics));
  const lm = opened.value;
  try {
    diagnostics.push(...checkPrompts(lm, prompts, codec));
    if (tokenizer?.value && lm.vocab !== undefined) diagnostics.push(...checkTokenizerVocab(tokenizer.value, lm.vocab));
    if (hasErrors(diagnostics)) return finish(EXIT_ERRORS);
    if (!lm.cache) diagnostics.push(createDiagnostic('MOE5524', { args: { path: lm.file } }));
    const cached = options.cache && lm.cache !== undefined;
    // The model tokenizer's eos when the folder names none (a single model.onnx file).
    const eosIds = lm.eos ?? (codec.eos !== undefined ? [codec.eos] : undefined);
    const eos = eosIds?.[0];
    const decoder: Decoder = cached ? new CachedDecoder(lm.session, lm.cache!, eos ?? 0) : new RecomputeDecoder(lm.session, lm.cache);

    // Ids mode shows text for a plain byte vocabulary, or through the model's tokenizer.
    const text = prompts.texts !== undefined || lm.vocab === 256 || codec !== byteCodec;
    const stream = options.format === 'pretty' && prompts.texts !== undefined && prompts.ids.length === 1;
    const streamer = codec.stream();
    if (stream) process.stdout.write(visibleText(prompts.texts![0]));
    let gen: Generation;
    try {
      gen = await generate(decoder, prompts.ids, {
        maxNewTokens: options.maxNewTokens,
        context: lm.context,
        eos: eosIds,
        sampler: createSampler({ temperature: options.temperature, topK: options.topK, topP: options.topP }, options.seed),
        onToken: (_, id) => {
          if (stream) process.stdout.write(visibleText(streamer.push(id)));
        },
      });
    } catch (err) {
      if (stream) process.stdout.write('\n');
      diagnostics.push(createDiagnostic('MOE5516', { args: { path: lm.file, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] } }));
      return finish(EXIT_ERRORS);
    }
    const atContext = gen.ids.map((ids, r) => (gen.finish[r] === 'context' ? ids.length : -1)).filter((n) => n >= 0);
    if (atContext.length) diagnostics.push(createDiagnostic('MOE5517', { args: { generated: Math.max(...atContext), context: lm.context! } }));
    const generated = gen.ids.reduce((n, ids) => n + ids.length, 0);
    const perSecond = gen.totalSeconds > 0 ? generated / gen.totalSeconds : 0;
    const decodeSeconds = gen.totalSeconds - gen.prefillSeconds;
    const outputs = prompts.ids.map((ids, r) => ({
      promptIds: ids,
      generatedIds: gen.ids[r],
      ...(text ? { text: codec.decode(gen.ids[r]) } : {}),
      finishReason: gen.finish[r],
    }));
    const result = {
      model: lm.file,
      ...(outputs.length === 1 ? outputs[0] : {}),
      outputs,
      kvCache: cached,
      sampling: { temperature: options.temperature, topK: options.topK, topP: options.topP, seed: options.seed },
      // As generation_config.json states it: one id, or the list when there are several.
      eosTokenId: eosIds === undefined ? null : eosIds.length === 1 ? eosIds[0] : eosIds,
      tokensPerSecond: perSecond,
      // Tokens generated by the steps: rows that stopped early still step (feeding eos) but add none.
      decodeTokensPerSecond: gen.decoded > 0 && decodeSeconds > 0 ? gen.decoded / decodeSeconds : 0,
      prefillSeconds: gen.prefillSeconds,
      totalSeconds: gen.totalSeconds,
    };
    if (options.format === 'pretty') {
      if (stream) process.stdout.write(visibleText(streamer.end()) + '\n');
      else if (prompts.ids.length === 1) {
        process.stdout.write(`generated ids: ${gen.ids[0].join(', ')}\n`);
        if (text) process.stdout.write(`as text: ${escapeControls(JSON.stringify(outputs[0].text))}\n`);
      } else {
        outputs.forEach((o, r) => process.stdout.write(`[${r + 1}] ${visibleText(prompts.texts?.[r] ?? '')}${visibleText(o.text ?? o.generatedIds.join(', '))}\n`));
      }
      process.stderr.write(
        `${generated} tokens in ${gen.totalSeconds.toFixed(2)} s: ${perSecond.toFixed(1)} tokens/s ` +
          `(prefill ${(gen.prefillSeconds * 1000).toFixed(1)} ms for ${prompts.ids.length} prompt${prompts.ids.length > 1 ? 's' : ''}; ` +
          `${samplingLabel(options)}; ${cached ? 'KV cache' : 'no KV cache: whole sequence re-run per token'})\n`,
      );
    }
    return finish(EXIT_OK, result);
  } finally {
    await lm.session.release();
  }
}
