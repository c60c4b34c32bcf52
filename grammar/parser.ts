/**
 * Phase: parsing (tokens → CST). One CstParser subclass for the whole language, built once on
 * first use and reused for every file (Chevrotain parsers are stateful but resettable through
 * `input`). Error recovery is on, so one run reports every syntax error it can find.
 *
 *   file      := import* (model | entry*)
 *   import    := "import" STRING
 *   model     := "model" STRING ("extends" STRING)? block
 *   block     := "{" entry* "}"
 *   entry     := KEY (value block? | block)
 *   value     := number | STRING | IDENT | "true" | "false" | list
 *   number    := NUMBER (".." NUMBER)?          // a range when the second part is present
 *   list      := "[" (value ("," value)* ","?)? "]"
 *
 * Error messages: Chevrotain's own messages list token types; ours are written from the
 * structured description the message provider below encodes (see syntax-errors.ts).
 */
import type { CstNode, IParserErrorMessageProvider, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import {
  allTokens,
  Comma,
  DotDot,
  Extends,
  False,
  Identifier,
  Import,
  LBracket,
  LCurly,
  Model,
  NumberLiteral,
  RBracket,
  RCurly,
  StringLiteral,
  True,
} from './tokens.js';
import { ensureObjectGroupBy } from './node20-compat.js';

/** What went wrong, as data: the parser's error `message` holds this object as JSON. */
export type ParseProblem =
  | { kind: 'mismatch'; expected: string; rule: string }
  | { kind: 'redundant'; rule: string }
  | { kind: 'no-alternative'; expected: string[]; rule: string };

const names = (types: TokenType[][][] | TokenType[][]): string[] => {
  const out = new Set<string>();
  for (const path of types.flat()) {
    const first = Array.isArray(path) ? path[0] : path;
    if (first) out.add(first.name);
  }
  return [...out].sort();
};

const structuredMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: 'mismatch', expected: expected.name, rule: ruleName } satisfies ParseProblem),
  buildNotAllInputParsedMessage: ({ ruleName }) => JSON.stringify({ kind: 'redundant', rule: ruleName } satisfies ParseProblem),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    JSON.stringify({ kind: 'no-alternative', expected: names(expectedPathsPerAlt), rule: ruleName } satisfies ParseProblem),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    JSON.stringify({ kind: 'no-alternative', expected: names(expectedIterationPaths), rule: ruleName } satisfies ParseProblem),
};

export class MoeParser extends chevrotain.CstParser {
  constructor(validate = false) {
    if (validate) ensureObjectGroupBy();
    super(allTokens, {
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider: structuredMessages,
      // Grammar validation (ambiguities, left recursion) runs in test/grammar; skipping it here
      // keeps `moec check` cold start low.
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  /** `{` offset → the key whose block it opens; error messages name the unclosed block. */
  readonly blockNames = new Map<number, string>();
  private blockOwner = '';

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.importStatement));
    this.OR([{ ALT: () => this.SUBRULE(this.model) }, { ALT: () => this.MANY2(() => this.SUBRULE(this.entry)) }]);
  });

  importStatement = this.RULE('importStatement', () => {
    this.CONSUME(Import);
    this.CONSUME(StringLiteral, { LABEL: 'path' });
  });

  model = this.RULE('model', () => {
    this.CONSUME(Model);
    this.ACTION(() => (this.blockOwner = 'model'));
    this.CONSUME(StringLiteral, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Extends);
      this.CONSUME2(StringLiteral, { LABEL: 'base' });
    });
    this.SUBRULE(this.block);
  });

  block = this.RULE('block', () => {
    const open = this.CONSUME(LCurly);
    this.ACTION(() => this.blockNames.set(open.startOffset, this.blockOwner));
    this.MANY(() => this.SUBRULE(this.entry));
    this.CONSUME(RCurly);
  });

  entry = this.RULE('entry', () => {
    const key = this.CONSUME(Identifier, { LABEL: 'key' });
    // Values hold no blocks, so the owner is still this key when this entry's `{` is consumed.
    this.ACTION(() => (this.blockOwner = key.image));
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.value);
          this.OPTION(() => this.SUBRULE(this.block));
        },
      },
      { ALT: () => this.SUBRULE2(this.block) },
    ]);
  });

  value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  number = this.RULE('number', () => {
    this.CONSUME(NumberLiteral, { LABEL: 'from' });
    this.OPTION(() => {
      this.CONSUME(DotDot);
      this.CONSUME2(NumberLiteral, { LABEL: 'to' });
    });
  });

  list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.value);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });
}

let parser: MoeParser | undefined;

/** The shared parser instance, built on first use (self-analysis costs a few milliseconds). */
export function getParser(): MoeParser {
  parser ??= new MoeParser(process.env.MOEC_VALIDATE_GRAMMAR === '1');
  return parser;
}

export type { CstNode };
