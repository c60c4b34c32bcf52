/**
 * CLI (`moec init`): turn a shipped spec into a starting point — the user's model name, a header
 * saying where it came from and what to run next, and after each key a comment with its
 * meaning (as `tsc --init` does). Works on the formatted text (one entry per line), and the
 * result is formatted again, so it is exactly what `moec fmt` would print.
 */
import type { BlockNode } from '../../../grammar/ast.js';
import { quoteString } from '../../../grammar/literals.js';
import { parseMoeSource } from '../../../grammar/parse-source.js';
import { formatMoe } from '../../fmt/format-moe.js';
import { describeKey } from './describe-keys.js';

export interface AnnotateInput {
  /** The preset's source text. */
  source: string;
  /** The preset's file name, for messages. */
  presetFile: string;
  /** The new model's name. */
  name: string;
  /** Where the result is written (for the "next" commands in the header). */
  outputName: string;
}

/** Source lines (0-based) that end with a comment already: a preset's own notes win. */
function commentedLines(comments: readonly { span: { line: number } }[]): Set<number> {
  return new Set(comments.map((c) => c.span.line - 1));
}

function annotateBlock(block: BlockNode, path: string[], lines: string[], skip: Set<number>): void {
  for (const entry of block.entries) {
    const keyPath = [...path, entry.key.name];
    const line = entry.key.span.line - 1;
    const meaning = describeKey(keyPath);
    if (meaning && !skip.has(line)) lines[line] += ` // ${meaning}`;
    if (entry.block) annotateBlock(entry.block, keyPath, lines, skip);
  }
}

/** The annotated spec, or the reason it could not be made (a preset that does not parse: a bug). */
export function annotateSpec(input: AnnotateInput): { text?: string; problem?: string } {
  const formatted = formatMoe(input.source, input.presetFile).output;
  if (formatted === undefined) return { problem: `${input.presetFile} does not parse` };
  const parsed = parseMoeSource(formatted, input.presetFile);
  const model = parsed.ast?.model;
  if (!model) return { problem: `${input.presetFile} has no model block` };
  const lines = formatted.split('\n');
  annotateBlock(model.body, [], lines, commentedLines(parsed.ast!.comments));
  // The name: replace the string token on the model line (column-exact, one line).
  const n = model.name.span;
  const at = n.line - 1;
  lines[at] = lines[at].slice(0, n.column - 1) + quoteString(input.name) + lines[at].slice(n.endColumn - 1);
  const out = input.outputName;
  const header = [
    `// ${input.name}: a Mixture-of-Experts spec started from moec's \`${input.presetFile}\` preset.`,
    '// Each key is followed by its meaning; docs/language.md has every key, default and constraint.',
    `// Next: moec check ${out}`,
    `//       moec explain ${out}`,
    `//       moec compile ${out} --target onnx -o ${out.replace(/\.moe$/, '')}.onnx`,
    '//',
    '// The preset\'s own notes:',
  ];
  const result = formatMoe([...header, ...lines].join('\n'), out);
  if (result.output === undefined) return { problem: `the annotated ${input.presetFile} does not parse` };
  return { text: result.output };
}
