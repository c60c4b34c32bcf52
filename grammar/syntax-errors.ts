/**
 * Phase: lexing/parsing. Turns Chevrotain's lexer and parser errors into moec diagnostics with
 * human messages ("expected `}` to close the `moe` block opened at 12:3"), never a dump of token
 * type names. The parser encodes each problem as data (parser.ts, ParseProblem); the token
 * stream supplies the context a message needs (which block is open, what came before).
 */
import type { ILexingError, IRecognitionException, IToken } from 'chevrotain';
import { createDiagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import type { Span } from '../src/diagnostics/span.js';
import type { ParseProblem } from './parser.js';
import { endOfFileSpan, isRealToken, rangeSpan, tokenSpan } from './token-span.js';

const SEPARATOR_HINT = 'write `key value` with a space: no `:`, `=` or `;` between key and value or after entries';
const CHAR_HINTS: Record<string, string> = {
  ':': SEPARATOR_HINT,
  '=': SEPARATOR_HINT,
  ';': SEPARATOR_HINT,
  "'": 'strings use double quotes: "like this"',
  '(': 'blocks use braces: `key { ... }`; lists use brackets: `[1, 2]`',
  ')': 'blocks use braces: `key { ... }`; lists use brackets: `[1, 2]`',
  '.': 'a range is written `first..last` (two dots) between whole numbers; fractions need a leading digit: 0.5',
  '-': 'a negative number has its `-` directly before the digits: -0.5',
};

/** Show a run of stray characters readably (control characters as \u escapes). */
function printable(text: string): string {
  const shown = text.length > 20 ? text.slice(0, 20) + '…' : text;
  return shown.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function lexErrorDiagnostics(errors: readonly ILexingError[], text: string, file: string): Diagnostic[] {
  return errors.map((e) => {
    const stray = text.slice(e.offset, e.offset + e.length);
    const span = rangeSpan(file, text, e.offset, e.offset + e.length);
    return createDiagnostic('MOE1010', {
      span,
      args: { text: printable(stray), plural: stray.length > 1 ? 's' : '' },
      hint: CHAR_HINTS[stray[0]],
    });
  });
}

/** How a token reads in a message: "`top_k`", or "end of file". */
function found(token: IToken | undefined): string {
  if (!isRealToken(token) || token.tokenType.name === 'EOF') return 'end of file';
  const image = token.image.length > 30 ? token.image.slice(0, 30) + '…' : token.image;
  return '`' + image.replace(/\s+/g, ' ') + '`';
}

/** The innermost bracket of kind `open` still unclosed just before `tokens[index]`. */
function openBracket(tokens: readonly IToken[], index: number, open: string, close: string): IToken | undefined {
  const stack: IToken[] = [];
  for (let i = 0; i < index && i < tokens.length; i++) {
    const name = tokens[i].tokenType.name;
    if (name === open) stack.push(tokens[i]);
    else if (name === close) stack.pop();
  }
  return stack.at(-1);
}

/** Leading whitespace width of line `line` (1-based); tabs count as one column, as the lexer does. */
function indentOf(text: string, line: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return 0;
    start = nl + 1;
  }
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - start;
}

/**
 * Which block inside `open` most likely lacks its `}`: with one brace missing, every block
 * from the culprit on closes one brace too late, so the first block whose closing `}` starts
 * a line at a different indentation than the line that opened it is the suspect (the same
 * idea as rustc's "unclosed delimiter" note). Undefined when the file's indentation says nothing.
 */
function likelyUnclosed(cx: ParseErrorContext, from: IToken, index: number): IToken | undefined {
  const stack: IToken[] = [];
  let inside = false;
  for (let i = 0; i < index && i < cx.tokens.length; i++) {
    const t = cx.tokens[i];
    if (t === from) inside = true;
    if (!inside || t === from) continue;
    if (t.tokenType.name === 'LCurly') stack.push(t);
    else if (t.tokenType.name === 'RCurly') {
      const opened = stack.pop();
      if (!opened) continue;
      const startsLine = indentOf(cx.text, t.startLine!) === t.startColumn! - 1;
      if (startsLine && t.startLine !== opened.startLine && t.startColumn! - 1 !== indentOf(cx.text, opened.startLine!)) return opened;
    }
  }
  return undefined;
}

export interface ParseErrorContext {
  file: string;
  text: string;
  tokens: readonly IToken[];
  /** LCurly offset → what the block belongs to (`moe`, `model "tiny"`), recorded by the parser. */
  blockNames: ReadonlyMap<number, string>;
  hasModel: boolean;
}

export function parseErrorDiagnostic(error: IRecognitionException, cx: ParseErrorContext): Diagnostic {
  let problem: ParseProblem;
  try {
    problem = JSON.parse(error.message) as ParseProblem;
  } catch {
    problem = { kind: 'no-alternative', expected: [], rule: '' };
  }
  const token = error.token;
  const span: Span = isRealToken(token) && token.tokenType.name !== 'EOF' ? tokenSpan(cx.file, token) : endOfFileSpan(cx.file, cx.text);
  const index = isRealToken(token) ? cx.tokens.findIndex((t) => t.startOffset === token.startOffset) : -1;
  const at = index === -1 ? cx.tokens.length : index;
  const previous = at > 0 ? cx.tokens[at - 1] : undefined;
  const what = found(token);
  const syntax = (detail: string, hint?: string) => createDiagnostic('MOE1020', { span, args: { detail }, hint });
  const tokenName = isRealToken(token) ? token.tokenType.name : 'EOF';
  const isValueToken = ['Number', 'String', 'True', 'False', 'LBracket'].includes(tokenName);

  if (problem.kind === 'mismatch') {
    switch (problem.expected) {
      case 'RCurly': {
        if (isValueToken) {
          return syntax(
            `expected a key or \`}\`, found ${what}`,
            'each entry is one key and exactly one value (`vocab 1 hidden 2`); check the entries just before it',
          );
        }
        // `model 3` inside a block: a reserved word where a key belongs. (`model "b"` or
        // `import "x"` is a new statement, i.e. the block before it is unclosed: below.)
        const next = cx.tokens[at + 1];
        if (['Model', 'Import', 'Extends'].includes(tokenName) && next?.tokenType.name !== 'String') {
          return syntax(
            `${what} is a keyword and cannot be a key`,
            'the words `model`, `import`, `extends`, `true` and `false` are reserved; a longer word such as `model_dim` is an ordinary key',
          );
        }
        const open = openBracket(cx.tokens, at, 'LCurly', 'RCurly');
        if (!open) return syntax(`expected \`}\`, found ${what}`);
        const name = cx.blockNames.get(open.startOffset) ?? 'enclosing';
        const suspect = likelyUnclosed(cx, open, at);
        const suspectName = suspect ? (cx.blockNames.get(suspect.startOffset) ?? 'inner') : '';
        return createDiagnostic('MOE1021', {
          span,
          args: { block: name, at: `${open.startLine}:${open.startColumn}`, found: what },
          ...(suspect
            ? { hint: `the \`${suspectName}\` block opened at ${suspect.startLine}:${suspect.startColumn} is probably the one missing its \`}\` (judging by the indentation)` }
            : {}),
          related: [
            { message: `the \`${name}\` block opens here`, span: tokenSpan(cx.file, open) },
            ...(suspect ? [{ message: `the \`${suspectName}\` block, probably unclosed, opens here`, span: tokenSpan(cx.file, suspect) }] : []),
          ],
        });
      }
      case 'RBracket': {
        const open = openBracket(cx.tokens, at, 'LBracket', 'RBracket');
        const where = open ? ` in the list opened at ${open.startLine}:${open.startColumn}` : '';
        return syntax(`expected \`,\` or \`]\`${where}, found ${what}`, 'list items are separated by commas: [1, 2, 3]');
      }
      case 'LCurly':
        return syntax(`expected \`{\` to open the model block, found ${what}`, 'write `model "name" { ... }`');
      case 'Number':
        return syntax(`expected a number after \`..\`, found ${what}`, 'a range is written `first..last`: 1..27');
      case 'String':
        if (problem.rule === 'importStatement') return syntax(`expected a quoted path after \`import\`, found ${what}`, 'write `import "fragment.moe"`');
        if (previous?.tokenType.name === 'Extends') return syntax(`expected a quoted path after \`extends\`, found ${what}`, 'write `model "name" extends "base.moe" { ... }`');
        return syntax(`expected the model name in quotes after \`model\`, found ${what}`, 'write `model "name" { ... }`');
      case 'Identifier':
        return syntax(`expected a key, found ${what}`);
      default:
        return syntax(`unexpected ${what}`);
    }
  }

  if (problem.kind === 'redundant') {
    if (tokenName === 'RCurly') return syntax(`unexpected \`}\`: no block is open here`, 'remove it, or check the braces above');
    if (tokenName === 'Import') return syntax('`import` must come first in the file, before the model block and any entries');
    if (tokenName === 'Model') {
      return syntax(
        cx.hasModel ? 'a file holds one model block' : 'a model block cannot follow top-level entries',
        'put shared blocks in a fragment file and `import` it, or move them inside the model block',
      );
    }
    if (cx.hasModel) return syntax(`unexpected ${what} after the end of the model block`, 'entries go inside `model "name" { ... }`');
    return syntax(`unexpected ${what}; expected an entry such as \`key value\``);
  }

  // No alternative matched.
  if (problem.rule === 'entry' && previous?.tokenType.name === 'Identifier') {
    return createDiagnostic('MOE1022', { span, args: { key: previous.image, found: what } });
  }
  if (problem.rule === 'value') return syntax(`expected a value, found ${what}`);
  if (problem.rule === 'file') {
    return syntax(`expected \`model "name" { ... }\`, \`import "path"\` or an entry, found ${what}`);
  }
  return syntax(`unexpected ${what}`);
}
