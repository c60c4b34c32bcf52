/**
 * Diagnostic codes MOE1xxx (syntax). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 *
 *   MOE100x  file-level problems (binary, size, empty)      MOE101x  lexing and literals
 *   MOE102x  parsing                                        MOE103x  lowering (keys, blocks)
 *   MOE104x  imports and extends                            MOE105x  JSON / YAML spec files
 */
import { defineCodes } from './entry.js';

export const syntaxCodes = defineCodes({
  MOE1001: {
    severity: 'error',
    title: 'not a text file',
    message: '`{file}` is not a text file ({reason})',
    hint: 'spec files are UTF-8 text; check that the path names a .moe, .moe.json or .moe.yaml file',
  },
  MOE1002: {
    severity: 'error',
    title: 'file too large',
    message: '`{file}` is {size} bytes; spec files are limited to {limit} bytes',
    hint: 'a model spec is a few kilobytes; check that the path names a spec file',
  },
  MOE1003: {
    severity: 'error',
    title: 'empty spec file',
    message: '`{file}` has no model block and no entries',
    hint: 'start with `model "name" { ... }` (see docs/language.md)',
  },
  MOE1010: {
    severity: 'error',
    title: 'unexpected character',
    message: 'unexpected character{plural} `{text}`',
  },
  MOE1011: {
    severity: 'error',
    title: 'unterminated string',
    message: 'unterminated string: a string must close with `"` on the same line',
  },
  MOE1012: {
    severity: 'error',
    title: 'unterminated block comment',
    message: 'unterminated block comment: `/*` is never closed with `*/`',
  },
  MOE1013: {
    severity: 'error',
    title: 'invalid escape in string',
    message: 'invalid escape `{escape}` in string',
    hint: 'valid escapes are \\" \\\\ \\/ \\n \\t \\r \\b \\f \\0 \\uXXXX and \\u{X...}',
  },
  MOE1014: {
    severity: 'error',
    title: 'invalid number',
    message: 'invalid number `{text}`',
    hint: 'numbers look like 4096, 32_000, 1e-4, -0.5 or 4k/1M/1G (binary); sizes like 80GiB, 512MiB, 80GB',
  },
  MOE1015: {
    severity: 'error',
    title: 'number out of range',
    message: '`{text}` is too large to be represented exactly',
  },
  MOE1016: {
    severity: 'error',
    title: 'negative size',
    message: 'a size cannot be negative: `{text}`',
  },
  MOE1017: {
    severity: 'error',
    title: 'invalid range bound',
    message: 'range bounds must be integers, found `{text}`',
    hint: 'a range is written `first..last` with whole numbers, both inclusive: 1..27',
  },
  MOE1020: {
    severity: 'error',
    title: 'syntax error',
    message: '{detail}',
  },
  MOE1021: {
    severity: 'error',
    title: 'unclosed block',
    message: 'expected `}` to close the `{block}` block opened at {at}, found {found}',
  },
  MOE1022: {
    severity: 'error',
    title: 'missing value',
    message: 'expected a value or `{` after `{key}`, found {found}',
    hint: 'an entry is `key value`, `key value { ... }` or `key { ... }`',
  },
  MOE1023: {
    severity: 'error',
    title: 'nesting too deep',
    message: 'blocks and lists are nested more than {limit} levels deep',
  },
  MOE1024: {
    severity: 'error',
    title: 'too many errors',
    message: 'too many syntax errors in `{file}`; only the first {limit} are shown',
  },
  MOE1030: {
    severity: 'error',
    title: 'duplicate key',
    message: '`{key}` is set more than once in this block',
    hint: 'remove one of them; a key may appear once per block',
  },
  MOE1031: {
    severity: 'error',
    title: 'value not allowed here',
    message: '`{key}` takes no value before its block',
    hint: '{hint}',
  },
  MOE1032: {
    severity: 'error',
    title: 'primary field set twice',
    message: '`{field}` of `{key}` is set both in the block header and inside the block',
    hint: 'keep one: `{key} VALUE { ... }` is shorthand for `{key} { {field} VALUE ... }`',
  },
  MOE1040: {
    severity: 'error',
    title: 'import not found',
    message: 'cannot find `{path}` (looked for {resolved})',
    hint: 'paths are relative to the file that names them',
  },
  MOE1041: {
    severity: 'error',
    title: 'import cycle',
    message: 'import cycle: {chain}',
    hint: 'a file cannot import or extend itself, directly or through other files',
  },
  MOE1042: {
    severity: 'error',
    title: 'import outside the root directory',
    message: '`{path}` resolves outside the root directory {root}',
    hint: 'keep imported files under the root directory, or pass a wider root (`--root`)',
  },
  MOE1043: {
    severity: 'error',
    title: 'imported file is a model',
    message: '`{path}` contains a model block; only fragment files (top-level blocks, no `model`) can be imported',
    hint: 'to inherit a whole model write `model "name" extends "{path}" { ... }`',
  },
  MOE1044: {
    severity: 'error',
    title: 'base is a fragment',
    message: '`{path}` has no model block, so it cannot be extended',
    hint: 'to merge a fragment in as defaults write `import "{path}"` before the model',
  },
  MOE1045: {
    severity: 'error',
    title: 'errors in imported file',
    message: '`{path}` has errors (reported under its own file name); its values were not merged',
  },
  MOE1050: {
    severity: 'error',
    title: 'invalid JSON or YAML',
    message: '{detail}',
  },
  MOE1051: {
    severity: 'error',
    title: 'spec is not a mapping',
    message: 'a spec file must hold one mapping (object) at the top level, found {found}',
  },
  // MOE1070–MOE1089: hostile input — exact numbers, import and alias limits (docs/security.md).
  MOE1070: {
    severity: 'error',
    title: 'number underflows to zero',
    message: '`{text}` is too small to represent: it would read as 0',
    hint: 'write 0 if you mean zero; the smallest positive number is about 5e-324',
  },
  MOE1071: {
    severity: 'error',
    title: 'size beyond exact integer range',
    message: '{what} would be {value}, more than 2^53; moec counts sizes exactly and cannot count this one',
    hint: 'check `{key}` for a typo: no real model comes near this size',
  },
  MOE1072: {
    severity: 'error',
    title: 'imports nested too deeply',
    message: 'imports and extends are nested more than {limit} files deep',
    hint: 'a chain this long is a mistake; flatten the imports',
  },
  MOE1073: {
    severity: 'error',
    title: 'too many imported files',
    message: 'the spec reads {what}; the limit is {limit}',
    hint: 'a spec and its imports are a few small files; check the imports',
  },
  MOE1074: {
    severity: 'error',
    title: 'too many values (YAML aliases expand too far)',
    message: 'this file holds more than {limit} values, counting each use of a YAML alias in full',
    hint: 'a spec has a few hundred values; an alias (`*name`) repeats a whole node, and aliases of aliases multiply (an alias bomb)',
  },
  MOE1075: {
    severity: 'error',
    title: 'list too long',
    message: 'this list has {count} items; a list holds at most {limit}',
    hint: 'a layer selection is written with ranges (`0..27`), not one index per layer',
  },
  MOE1076: {
    severity: 'info',
    title: 'too many diagnostics',
    message: '{count} problems in `{file}`; only the first {limit} are shown',
    hint: 'fix the first ones: the rest are often the same mistake repeated',
  },
  MOE1077: {
    severity: 'error',
    title: 'too many tokens',
    message: 'this file has {count} tokens; a spec file is parsed only up to {limit}',
    hint: 'a model spec is a few thousand tokens; check that the path names a spec, and write layer lists as ranges',
  },
  MOE1078: {
    severity: 'error',
    title: 'too many YAML anchors and aliases',
    message: 'this file has more than {limit} YAML anchors (`&name`) and aliases (`*name`)',
    hint: 'a spec uses a handful; YAML parsers match them in time that grows with their square',
  },
});
