/**
 * Phase: CST → AST. A Chevrotain CST visitor (checked against the grammar with validateVisitor())
 * that builds the typed nodes of ast.ts, gives every node a span, and interprets literals
 * (literals.ts), reporting invalid numbers and strings as it goes. It tolerates the partial
 * CSTs error recovery produces: a node with a missing piece is dropped, never a crash.
 */
import type { CstNode, ICstVisitor, IToken } from 'chevrotain';
import { createDiagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import { joinSpans, type Span } from '../src/diagnostics/span.js';
import type { BlockNode, EntryNode, ImportNode, ModelNode, NumberValue, StringValue, Value } from './ast.js';
import { interpretNumber, interpretString } from './literals.js';
import { getParser } from './parser.js';
import { isRealToken, tokenSpan } from './token-span.js';

type Ctx = Record<string, Array<IToken | CstNode> | undefined>;

export interface AstParts {
  imports: ImportNode[];
  model?: ModelNode;
  entries: EntryNode[];
}

interface Builder extends ICstVisitor<unknown, unknown> {
  fileName: string;
  diagnostics: Diagnostic[];
}

let builder: Builder | undefined;

function token(ctx: Ctx, name: string): IToken | undefined {
  const t = ctx[name]?.[0] as IToken | undefined;
  return isRealToken(t) ? t : undefined;
}

function createBuilderClass(): new () => Builder {
  const Base = getParser().getBaseCstVisitorConstructor();

  class AstBuilder extends Base implements Builder {
    fileName = '';
    diagnostics: Diagnostic[] = [];

    constructor() {
      super();
      this.validateVisitor();
    }

    private span(t: IToken): Span {
      return tokenSpan(this.fileName, t);
    }

    file(ctx: Ctx): AstParts {
      const imports = (ctx.importStatement ?? []).map((n) => this.visit(n as CstNode) as ImportNode | undefined);
      const model = ctx.model ? (this.visit(ctx.model[0] as CstNode) as ModelNode | undefined) : undefined;
      const entries = (ctx.entry ?? []).map((n) => this.visit(n as CstNode) as EntryNode | undefined);
      return {
        imports: imports.filter((i): i is ImportNode => i !== undefined),
        model,
        entries: entries.filter((e): e is EntryNode => e !== undefined),
      };
    }

    importStatement(ctx: Ctx): ImportNode | undefined {
      const keyword = token(ctx, 'Import');
      const path = this.string(token(ctx, 'path'));
      if (!keyword || !path) return undefined;
      return { kind: 'import', span: joinSpans(this.span(keyword), path.span), path };
    }

    model(ctx: Ctx): ModelNode | undefined {
      const keyword = token(ctx, 'Model');
      const name = this.string(token(ctx, 'name'));
      const body = ctx.block ? (this.visit(ctx.block[0] as CstNode) as BlockNode | undefined) : undefined;
      if (!keyword || !name || !body) return undefined;
      const base = this.string(token(ctx, 'base'));
      const header = joinSpans(this.span(keyword), (base ?? name).span);
      const model: ModelNode = { kind: 'model', span: joinSpans(header, body.span), header, keyword: this.span(keyword), name, body };
      if (base) model.extends = base;
      return model;
    }

    block(ctx: Ctx): BlockNode | undefined {
      const open = token(ctx, 'LCurly');
      if (!open) return undefined;
      const entries = (ctx.entry ?? [])
        .map((n) => this.visit(n as CstNode) as EntryNode | undefined)
        .filter((e): e is EntryNode => e !== undefined);
      const closeToken = token(ctx, 'RCurly');
      const openSpan = this.span(open);
      const close = closeToken ? this.span(closeToken) : (entries.at(-1)?.span ?? openSpan);
      return { kind: 'block', span: joinSpans(openSpan, close), open: openSpan, close, entries };
    }

    entry(ctx: Ctx): EntryNode | undefined {
      const keyToken = token(ctx, 'key');
      if (!keyToken) return undefined;
      const key = { name: keyToken.image, span: this.span(keyToken) };
      const value = ctx.value ? (this.visit(ctx.value[0] as CstNode) as Value | undefined) : undefined;
      const block = ctx.block ? (this.visit(ctx.block[0] as CstNode) as BlockNode | undefined) : undefined;
      if (!value && !block) return undefined;
      const entry: EntryNode = { kind: 'entry', span: joinSpans(key.span, (block ?? value)!.span), key };
      if (value) entry.value = value;
      if (block) entry.block = block;
      return entry;
    }

    value(ctx: Ctx): Value | undefined {
      if (ctx.number) return this.visit(ctx.number[0] as CstNode) as Value | undefined;
      if (ctx.list) return this.visit(ctx.list[0] as CstNode) as Value | undefined;
      const str = token(ctx, 'String');
      if (str) return this.string(str);
      const ident = token(ctx, 'Identifier');
      if (ident) return { kind: 'ident', span: this.span(ident), name: ident.image };
      const bool = token(ctx, 'True') ?? token(ctx, 'False');
      if (bool) return { kind: 'bool', span: this.span(bool), value: bool.image === 'true' };
      return undefined;
    }

    number(ctx: Ctx): Value | undefined {
      const from = this.numberToken(token(ctx, 'from'));
      if (!from || !ctx.DotDot) return from;
      const to = this.numberToken(token(ctx, 'to'));
      if (!to) return undefined;
      for (const bound of [from, to]) {
        if (bound.kind !== 'number' || (!Number.isNaN(bound.value) && !Number.isInteger(bound.value))) {
          this.diagnostics.push(createDiagnostic('MOE1017', { span: bound.span, args: { text: bound.text } }));
        }
      }
      if (from.kind !== 'number' || to.kind !== 'number') return undefined;
      return { kind: 'range', span: joinSpans(from.span, to.span), from, to };
    }

    list(ctx: Ctx): Value | undefined {
      const open = token(ctx, 'LBracket');
      const close = token(ctx, 'RBracket');
      if (!open || !close) return undefined;
      const items = (ctx.value ?? []).map((n) => this.visit(n as CstNode) as Value | undefined);
      if (items.some((i) => i === undefined)) return undefined;
      return { kind: 'list', span: joinSpans(this.span(open), this.span(close)), items: items as Value[] };
    }

    private numberToken(t: IToken | undefined): (NumberValue | Extract<Value, { kind: 'size' }>) | undefined {
      if (!t) return undefined;
      const span = this.span(t);
      const meaning = interpretNumber(t.image);
      if (meaning.kind === 'invalid') {
        const code = ({ 'too-large': 'MOE1015', underflow: 'MOE1070', 'negative-size': 'MOE1016', form: 'MOE1014' } as const)[meaning.reason];
        this.diagnostics.push(createDiagnostic(code, { span, args: { text: t.image }, hint: meaning.hint }));
        return { kind: 'number', span, text: t.image, value: Number.NaN };
      }
      return { kind: meaning.kind, span, text: t.image, value: meaning.value };
    }

    private string(t: IToken | undefined): StringValue | undefined {
      if (!t) return undefined;
      const span = this.span(t);
      const meaning = interpretString(t.image);
      if (meaning.ok) return { kind: 'string', span, value: meaning.value };
      // Unterminated strings are reported by parse-source.ts straight from the token stream.
      if (meaning.reason === 'escape') {
        const at = { ...span, offset: span.offset + meaning.at, column: span.column + meaning.at };
        at.endOffset = at.offset + 2;
        at.endColumn = at.column + 2;
        this.diagnostics.push(createDiagnostic('MOE1013', { span: at, args: { escape: meaning.escape ?? '\\' } }));
      }
      return { kind: 'string', span, value: '' };
    }
  }
  return AstBuilder as unknown as new () => Builder;
}

/** Build the AST parts of a parsed file; literal problems are appended to `diagnostics`. */
export function cstToAst(cst: CstNode, file: string, diagnostics: Diagnostic[]): AstParts {
  builder ??= new (createBuilderClass())();
  builder.fileName = file;
  builder.diagnostics = diagnostics;
  return builder.visit(cst) as AstParts;
}
