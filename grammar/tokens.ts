/**
 * Phase: lexing. The token vocabulary of the .moe language (docs/language.md, "Syntax").
 *
 * Numbers and sizes share one permissive token, `Number`: it swallows every word-like run that
 * starts with a digit (`4k`, `80GiB`, `1e-4`, even the invalid `4kx`), and cst-to-ast.ts decides
 * what the text means. That keeps a typo such as `80Gib` one clear "invalid number" diagnostic
 * instead of a number followed by a stray identifier that derails the parser.
 *
 * Strings and block comments also match when unterminated (to the end of the line / file) so the
 * lexer never stalls on them; parse-source.ts reports them as MOE1011 / MOE1012.
 */
import type { CustomPatternMatcherFunc, Lexer as LexerType, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';

const { createToken, Lexer } = chevrotain;

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  // U+FEFF: a byte-order mark at the start of a file is whitespace, not a stray character.
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const HashComment = createToken({ name: 'HashComment', pattern: /#[^\n\r]*/, group: 'comments' });

/** `/* ... *\/`, or from `/*` to the end of the file when the comment is never closed. */
const matchBlockComment: CustomPatternMatcherFunc = (text, offset) => {
  if (text.charCodeAt(offset) !== 47 /* / */ || text.charCodeAt(offset + 1) !== 42 /* * */) return null;
  const close = text.indexOf('*/', offset + 2);
  const end = close === -1 ? text.length : close + 2;
  return [text.slice(offset, end)] as unknown as RegExpExecArray;
};
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: matchBlockComment,
  start_chars_hint: ['/'],
  line_breaks: true,
  group: 'comments',
});

export const StringLiteral = createToken({
  name: 'String',
  // The closing quote is optional so an unterminated string ends at the line end (MOE1011).
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"?/,
  label: 'a string',
});

export const NumberLiteral = createToken({
  name: 'Number',
  // A digit, then word characters, `e±digits` exponents and `.digit` fractions. `1..27` stops
  // before `..` because a fraction needs a digit right after the dot.
  pattern: /-?\d(?:[eE][+-]\d|\.\d|\w)*/,
  label: 'a number',
});

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: 'a name',
});

// Keywords use longer_alt so `model_dim` or `imports` lex as one Identifier, not keyword + rest.
export const Model = createToken({ name: 'Model', pattern: /model/, longer_alt: Identifier, label: '`model`' });
export const Import = createToken({ name: 'Import', pattern: /import/, longer_alt: Identifier, label: '`import`' });
export const Extends = createToken({ name: 'Extends', pattern: /extends/, longer_alt: Identifier, label: '`extends`' });
export const True = createToken({ name: 'True', pattern: /true/, longer_alt: Identifier, label: '`true`' });
export const False = createToken({ name: 'False', pattern: /false/, longer_alt: Identifier, label: '`false`' });

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: '`{`' });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: '`}`' });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: '`[`' });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: '`]`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, label: '`..`' });

/**
 * Order matters: the lexer tries patterns first to last and takes the first match.
 * - Comments before anything that could match their first character (`/`, `#`).
 * - Keywords before Identifier, or `model` would lex as an Identifier (longer_alt then lets
 *   `model_x` fall back to Identifier).
 * - Number before Identifier is not needed (disjoint first characters) but DotDot must not be
 *   shadowed by a fraction: the Number pattern requires a digit after `.`.
 */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  HashComment,
  BlockComment,
  StringLiteral,
  NumberLiteral,
  Model,
  Import,
  Extends,
  True,
  False,
  Identifier,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  Comma,
  DotDot,
];

let lexer: LexerType | undefined;

/** The lexer, built on first use (building validates the patterns: keep it off the import path). */
export function getLexer(): LexerType {
  lexer ??= new Lexer(allTokens, {
    positionTracking: 'full',
    ensureOptimizations: false,
    // The patterns are validated by test/grammar/diagrams.test.ts; skip the work at run time.
    skipValidations: process.env.MOEC_VALIDATE_GRAMMAR !== '1',
  });
  return lexer;
}
