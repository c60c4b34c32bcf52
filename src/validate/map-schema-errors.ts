/**
 * Validation phase: ajv errors → diagnostics with spans. Every ajv error names a JSON pointer
 * (`instancePath`) into the spec object; the SpanMap turns it into file:line:col, so a user
 * never sees a pointer without a line number.
 *
 * Noise control: an `anyOf` that failed reports once (its branches' errors are dropped), and
 * identical diagnostics at one place are merged.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import { pointer } from '../spec/spans.js';
import { describeValue, displayPath, printableKey, spanFor, valueAt } from './json-pointer.js';
import type { ErrorObject } from './schema-validator.js';
import { allowedKeysAt, blocksAllowing, schemaAt, suggest } from './schema-lookup.js';
import { LAYER_SELECTION_TITLE } from './schema-builders.js';

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  boolean: '`true` or `false`',
  string: 'a string',
  object: 'a block `{ ... }`',
  array: 'a list `[ ... ]`',
};

/** Branch errors of a failed anyOf: under its instance and its schema path. */
function isUnder(e: ErrorObject, anyOf: ErrorObject): boolean {
  return (
    e !== anyOf &&
    e.schemaPath.startsWith(anyOf.schemaPath + '/') &&
    (e.instancePath === anyOf.instancePath || e.instancePath.startsWith(anyOf.instancePath + '/'))
  );
}

/** `/a/0/b` → ['', '/a', '/a/0', '/a/0/b']: the instance paths an error lies under. */
function ancestors(instancePath: string): string[] {
  const out = [''];
  for (let i = instancePath.indexOf('/', 1); i !== -1; i = instancePath.indexOf('/', i + 1)) out.push(instancePath.slice(0, i));
  if (instancePath !== '') out.push(instancePath);
  return out;
}

/**
 * Drop the branch errors of each failed anyOf. For a list value, the element that failed (or
 * the list being empty) is more precise than "the list is bad", so those replace the anyOf.
 * The failed anyOfs are indexed by instance path, so each error looks only at the anyOfs on its
 * own path: linear in the errors (a list of 5,000 bad items makes 15,000 of them), not quadratic.
 */
function pruneAnyOf(errors: readonly ErrorObject[], spec: unknown): ErrorObject[] {
  const anyOfsAt = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const at = anyOfsAt.get(e.instancePath);
    if (at) at.push(e);
    else anyOfsAt.set(e.instancePath, [e]);
  }
  const ownersOf = (e: ErrorObject): ErrorObject[] => ancestors(e.instancePath).flatMap((p) => (anyOfsAt.get(p) ?? []).filter((a) => isUnder(e, a)));
  const precise = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'minItems';
  const isList = (x: ErrorObject) => Array.isArray(valueAt(spec, x.instancePath));
  // anyOfs over a list with a more precise error inside: the inner errors replace them.
  const replaced = new Set<ErrorObject>();
  for (const x of errors) if (precise(x)) for (const a of ownersOf(x)) if (isList(a)) replaced.add(a);
  return errors.filter((e) => {
    if (replaced.has(e)) return false;
    const owners = ownersOf(e);
    if (owners.length === 0) return true;
    return owners.length === 1 && isList(owners[0]!) && precise(e);
  });
}

function mapOne(e: ErrorObject, spec: unknown, spans: SpanMap): Diagnostic {
  const ptr = e.instancePath;
  const path = displayPath(ptr);
  const value = valueAt(spec, ptr);
  const actual = describeValue(value);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = allowedKeysAt(e.schemaPath);
      const guess = suggest(key, allowed);
      const homes = blocksAllowing(key);
      const hint = guess
        ? `did you mean \`${guess}\`?`
        : homes.length
          ? `\`${key}\` belongs in ${homes.map((h) => `\`${h}\``).join(' or ')}`
          : `allowed keys in \`${path}\`: ${allowed.join(', ')}`;
      return createDiagnostic('MOE2001', { span: spanFor(spans, ptr + pointer([key]), 'key'), args: { key: printableKey(key), block: path }, hint });
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const node = schemaAt(e.schemaPath.replace(/required$/, `properties/${key}`));
      const what = typeof node?.description === 'string' ? `${key}: ${node.description}` : undefined;
      return createDiagnostic('MOE2002', {
        span: spanFor(spans, ptr, 'key'),
        args: { key, block: path },
        hint: what ? `add \`${key} ...\` (${what.replace(/\.$/, '')})` : `add \`${key} ...\``,
      });
    }
    case 'type': {
      const expected = TYPE_NAMES[String((e.params as { type: string }).type)] ?? String(e.params.type);
      let hint: string | undefined;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) hint = `write ${value} without quotes`;
      else if (typeof value === 'number' && e.params.type === 'integer' && Number.isFinite(value)) hint = `use a whole number, e.g. ${Math.round(value)}`;
      return createDiagnostic('MOE2003', { span: spanFor(spans, ptr), args: { path, expected, actual }, hint });
    }
    case 'enum': {
      const allowedValues = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof value === 'string' ? suggest(value, allowedValues) : undefined;
      return createDiagnostic('MOE2004', {
        span: spanFor(spans, ptr),
        args: { path, actual, allowed: allowedValues.join(', ') },
        hint: guess ? `did you mean \`${guess}\`?` : undefined,
      });
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return createDiagnostic('MOE2005', { span: spanFor(spans, ptr), args: { path, limit: `${comparison} ${limit}`, actual } });
    }
    case 'anyOf': {
      const node = schemaAt(e.schemaPath.replace(/\/anyOf$/, ''));
      if (node?.title === LAYER_SELECTION_TITLE || /\/items$/.test(e.schemaPath.replace(/\/anyOf$/, ''))) {
        return createDiagnostic('MOE2006', { span: spanFor(spans, ptr), args: { path, actual } });
      }
      return createDiagnostic('MOE2007', { span: spanFor(spans, ptr), args: { path, reason: 'does not match any allowed form' } });
    }
    case 'minLength':
      return createDiagnostic('MOE2007', { span: spanFor(spans, ptr), args: { path, reason: 'must not be empty' } });
    case 'minItems':
      return createDiagnostic('MOE2007', { span: spanFor(spans, ptr), args: { path, reason: 'the list is empty' }, hint: 'write `none` for no layers' });
    default:
      return createDiagnostic('MOE2007', { span: spanFor(spans, ptr), args: { path, reason: e.message ?? e.keyword } });
  }
}

/** What an unknown key most likely meant: the closest allowed key, if any is close. */
function guessFor(e: ErrorObject): string | undefined {
  if (e.keyword !== 'additionalProperties') return undefined;
  return suggest(String((e.params as { additionalProperty: string }).additionalProperty), allowedKeysAt(e.schemaPath));
}

/**
 * One typo, one diagnostic: `hiden 64` makes ajv report both "unknown `hiden`" and "missing
 * `hidden`". When an unknown key is the likely spelling of a required key missing from the same
 * block, the missing-key error is dropped and the unknown-key error says the key is required.
 */
function pairTypos(errors: readonly ErrorObject[]): { kept: ErrorObject[]; typos: Set<ErrorObject> } {
  const missing = (e: ErrorObject) => `${e.instancePath}\0${String((e.params as { missingProperty: string }).missingProperty)}`;
  const required = new Map(errors.filter((e) => e.keyword === 'required').map((e) => [missing(e), e]));
  const dropped = new Set<ErrorObject>();
  const typos = new Set<ErrorObject>();
  for (const e of errors) {
    const guess = guessFor(e);
    const match = guess === undefined ? undefined : required.get(`${e.instancePath}\0${guess}`);
    if (match && !dropped.has(match)) {
      dropped.add(match);
      typos.add(e);
    }
  }
  return { kept: errors.filter((e) => !dropped.has(e)), typos };
}

export function mapSchemaErrors(errors: readonly ErrorObject[], spec: unknown, spans: SpanMap): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const { kept, typos } = pairTypos(pruneAnyOf(errors, spec));
  for (const e of kept) {
    const d = mapOne(e, spec, spans);
    if (typos.has(e)) d.hint = `did you mean \`${guessFor(e)}\`? It is required and missing`;
    const id = `${d.code}@${d.span?.file}:${d.span?.offset}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}
