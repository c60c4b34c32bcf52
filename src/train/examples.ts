/**
 * Training phase — fine-tuning examples: one JSONL record (or text file) → token ids and a loss
 * mask (1 = this token is a training target). The three record forms are TRL's dataset formats
 * (trl/trainer/sft_trainer.py, tokenize_fn):
 * - `{"text": …}` or a text file: language modelling, every token a target; encoded with the
 *   tokenizer's special tokens and followed by eos.
 * - `{"prompt": …, "completion": …}`: loss on the completion only — TRL's completion_mask: the
 *   prompt's ids must be a prefix of prompt+completion's; eos follows and is a target.
 * - `{"messages": [{role, content}, …]}`: the conversation through the tokenizer's chat template
 *   (@huggingface/jinja, with bos_token/eos_token as transformers passes them, encoded without
 *   extra special tokens as apply_chat_template does); loss on the assistant turns only. TRL
 *   needs `{% generation %}` markers for that (return_assistant_tokens_mask); moec works with any
 *   template: turn i's tokens are those the conversation up to and including turn i adds to the
 *   conversation up to turn i with the generation prompt — both encodings must be prefixes of the
 *   whole one (MOE6642 otherwise). The end-of-turn tokens the template writes after an assistant
 *   message are targets too, so the model learns to stop.
 */
import { Template } from '@huggingface/jinja';
import { createContext, runInContext } from 'node:vm';
import type { TextTokenizer } from './tokenizer.js';

export interface Example {
  ids: number[];
  /** loss[t] = 1: token t is a target (predicted from the tokens before it). */
  loss: Uint8Array;
  kind: 'text' | 'prompt' | 'chat';
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** Why a record cannot be used (the caller adds file:line), or which kind it is. */
export type RecordProblem = { problem: string } | { template: string } | { prefix: number };

const ones = (n: number) => new Uint8Array(n).fill(1);

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Append eos unless the ids already end with it (the text ends with the eos token, or the
 * post-processor adds one): TRL appends eos only when the text does not already end with it
 * (trl/trainer/sft_trainer.py, add_eos), so a document never ends in eos eos.
 */
function endWithEos(tok: TextTokenizer, ids: number[]): void {
  if (tok.eos && ids[ids.length - 1] !== tok.eos.id) ids.push(tok.eos.id);
}

export function textExample(tok: TextTokenizer, text: string): Example {
  const ids = tok.encode(text, { special: true });
  endWithEos(tok, ids);
  return { ids, loss: ones(ids.length), kind: 'text' };
}

export function promptCompletionExample(tok: TextTokenizer, prompt: string, completion: string): Example | RecordProblem {
  const promptIds = tok.encode(prompt, { special: true });
  const ids = tok.encode(prompt + completion, { special: true });
  if (!isPrefix(promptIds, ids)) return { problem: 'the prompt does not tokenize to a prefix of prompt + completion (a token straddles the boundary): end the prompt with whitespace or a separator' };
  endWithEos(tok, ids);
  const loss = new Uint8Array(ids.length);
  loss.fill(1, promptIds.length);
  return { ids, loss, kind: 'prompt' };
}

function checkMessages(messages: unknown, field = 'messages', needsAssistant = true): ChatMessage[] | string {
  if (!Array.isArray(messages) || messages.length === 0) return `"${field}" is not a non-empty list`;
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m !== 'object' || typeof (m as ChatMessage).role !== 'string' || typeof (m as ChatMessage).content !== 'string') {
      return `${field === 'messages' ? 'message' : `"${field}" message`} ${i} is not {"role": string, "content": string}`;
    }
  }
  if (needsAssistant && !messages.some((m) => (m as ChatMessage).role === 'assistant')) return `the ${field === 'messages' ? 'conversation' : `"${field}"`} has no assistant message to learn from`;
  return messages as ChatMessage[];
}

/**
 * Conversational prompt/completion (`{"prompt": [messages], "completion": [messages]}`): TRL's
 * tokenize_fn renders the prompt with the generation prompt and prompt + completion without,
 * and trains on what the completion adds (sft_trainer.py: completion_mask 0 over prompt_ids).
 */
export function chatPromptCompletionExample(tok: TextTokenizer, render: ReturnType<typeof chatRenderer>, rawPrompt: unknown, rawCompletion: unknown): Example | RecordProblem {
  const prompt = checkMessages(rawPrompt, 'prompt', false);
  if (typeof prompt === 'string') return { problem: prompt };
  const completion = checkMessages(rawCompletion, 'completion');
  if (typeof completion === 'string') return { problem: completion };
  if (!render) return { template: 'the tokenizer has no chat template' };
  try {
    const before = tok.encode(render(prompt, true));
    const ids = tok.encode(render([...prompt, ...completion], false));
    if (!isPrefix(before, ids)) return { prefix: prompt.length };
    const loss = new Uint8Array(ids.length);
    loss.fill(1, before.length);
    return { ids, loss, kind: 'prompt' };
  } catch (err) {
    if (err instanceof BrokenTemplate) return { template: err.message };
    return { problem: `the chat template failed: ${(err as Error).message}` };
  }
}

/** A chat template that does not parse: every chat record reports it (MOE6641), never a throw. */
class BrokenTemplate extends Error {}

/** A compiled chat template with the special-token variables transformers passes it. */
export function chatRenderer(tok: TextTokenizer): ((messages: ChatMessage[], addGenerationPrompt: boolean) => string) | undefined {
  if (!tok.chatTemplate) return undefined;
  let template: Template;
  try {
    template = new Template(tok.chatTemplate);
  } catch (err) {
    const reason = `the tokenizer's chat template does not parse (${(err as Error).message})`;
    return () => {
      throw new BrokenTemplate(reason);
    };
  }
  // A template is a program from the model directory: `range(2000000000)` or nested loops ran
  // for ever (ignoring SIGTERM) or until V8 aborted out of memory. Each render runs under a vm
  // watchdog, which terminates synchronous JavaScript on the isolate, the jinja interpreter's too.
  const slot: { run?: () => string } = {};
  const context = createContext({ slot });
  return (messages, addGenerationPrompt) => {
    slot.run = () =>
      template.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: tok.bos?.token ?? '',
        eos_token: tok.eos?.token ?? '',
      });
    try {
      return runInContext('slot.run()', context, { timeout: CHAT_TEMPLATE_TIMEOUT_MS }) as string;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new BrokenTemplate(`the chat template ran past ${CHAT_TEMPLATE_TIMEOUT_MS} ms on one record (a loop too long for a chat template)`);
      }
      throw err;
    }
  };
}

/** A real chat template renders a record in well under a millisecond. */
export const CHAT_TEMPLATE_TIMEOUT_MS = 1000;

export function chatExample(tok: TextTokenizer, render: ReturnType<typeof chatRenderer>, raw: unknown): Example | RecordProblem {
  const messages = checkMessages(raw);
  if (typeof messages === 'string') return { problem: messages };
  if (!render) return { template: 'the tokenizer has no chat template' };
  let ids: number[];
  const loss: number[] = [];
  try {
    ids = tok.encode(render(messages, false));
    loss.length = ids.length;
    loss.fill(0);
    messages.forEach((m, i) => {
      if (m.role !== 'assistant') return;
      const before = tok.encode(render(messages.slice(0, i), true));
      const through = tok.encode(render(messages.slice(0, i + 1), false));
      if (!isPrefix(before, through) || !isPrefix(through, ids)) throw new PrefixError(i);
      for (let t = before.length; t < through.length; t++) loss[t] = 1;
    });
  } catch (err) {
    if (err instanceof PrefixError) return { prefix: err.turn };
    if (err instanceof BrokenTemplate) return { template: err.message };
    return { problem: `the chat template failed: ${(err as Error).message}` };
  }
  return { ids, loss: Uint8Array.from(loss), kind: 'chat' };
}

class PrefixError extends Error {
  constructor(readonly turn: number) {
    super(`turn ${turn}`);
  }
}

/** The example of one parsed JSONL record. */
export function recordExample(tok: TextTokenizer, render: ReturnType<typeof chatRenderer>, record: unknown): Example | RecordProblem {
  const r = record as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return { problem: 'not a JSON object' };
  if ('messages' in r) return chatExample(tok, render, r.messages);
  if ('prompt' in r || 'completion' in r) {
    if (Array.isArray(r.prompt) || Array.isArray(r.completion)) return chatPromptCompletionExample(tok, render, r.prompt, r.completion);
    if (typeof r.prompt !== 'string' || typeof r.completion !== 'string') return { problem: '"prompt" and "completion" must both be strings' };
    return promptCompletionExample(tok, r.prompt, r.completion);
  }
  if (typeof r.text === 'string') return textExample(tok, r.text);
  return { problem: 'no "text", "prompt"/"completion" or "messages" field' };
}
