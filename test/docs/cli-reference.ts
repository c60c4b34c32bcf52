/**
 * Generates the command reference of docs/cli.md from the commander definitions (what
 * `moec <command> --help` prints: arguments, options with their choices and defaults, exit
 * codes, examples), so the docs cannot drift from the CLI. Written between the markers by
 * test/docs/cli-doc.test.ts with `UPDATE=1`.
 */
import type { Argument, Command, Option } from 'commander';
import { createProgram } from '../../src/cli/main.js';

export const START = '<!-- commands:start -->';
export const END = '<!-- commands:end -->';

/** Help text as a table cell: outside `code`, `<name>` and `*.moe` must not become HTML or emphasis. */
const cell = (s: string) =>
  s
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\*/g, '\\*')))
    .join('`');
const code = (s: string) => '`' + s + '`';

/** The text commander prints after the options (our exit codes, notes and examples). */
export function afterHelp(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: () => 120 });
  cmd.outputHelp();
  const base = cmd.helpInformation();
  return out.slice(out.indexOf(base) + base.length).trim();
}

/** `[[code, meaning]]` from the `Exit codes:` paragraph of a command's help. */
export function exitCodes(cmd: Command): [number, string][] {
  const after = afterHelp(cmd);
  const start = after.indexOf('Exit codes:');
  if (start < 0) return [];
  const rows: [number, string][] = [];
  for (const line of after.slice(start).split('\n').slice(1)) {
    const m = /^\s+(\d+)\s{2}(.*)$/.exec(line);
    if (!m) break;
    rows.push([Number(m[1]), m[2]!]);
  }
  return rows;
}

function argumentRow(a: Argument): string {
  const name = a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`;
  const dflt = a.defaultValue !== undefined ? ` (default: ${code(String(a.defaultValue))})` : '';
  return `| ${code(name)} | ${cell(a.description)}${dflt} |`;
}

function optionRow(o: Option): string {
  const extra: string[] = [];
  if (o.argChoices) extra.push(`one of ${o.argChoices.map(code).join(', ')}`);
  if (o.defaultValue !== undefined && !o.negate) extra.push(`default ${code(String(o.defaultValue))}`);
  return `| ${code(o.flags)} | ${cell(o.description)}${extra.length ? ` (${extra.join('; ')})` : ''} |`;
}

function examples(cmd: Command): string[] {
  const after = afterHelp(cmd);
  return after.split('\n').filter((l) => /^\s+moec /.test(l)).map((l) => l.trim());
}

/** The prose of the help's epilogue: what comes before its lists (presets, exit codes, examples). */
function notes(cmd: Command): string {
  const after = afterHelp(cmd);
  const end = after.search(/^(Exit codes|Presets|Examples|Example):/m);
  return (end < 0 ? after : after.slice(0, end)).trim().replace(/\s*\n\s*/g, ' ');
}

function commandSection(cmd: Command): string {
  const args = cmd.registeredArguments;
  const options = cmd.options.filter((o) => !o.hidden);
  const usage = `moec ${cmd.name()} ${cmd.usage()}`;
  const out = [`### \`moec ${cmd.name()}\``, '', cell(cmd.description()) + '.', '', '```', usage, '```', ''];
  if (notes(cmd)) out.push(cell(notes(cmd)), '');
  if (args.length) out.push('| argument | |', '|---|---|', ...args.map(argumentRow), '');
  out.push('| option | |', '|---|---|', ...options.map(optionRow), `| ${code('-h, --help')} | print this help |`, '');
  const codes = exitCodes(cmd);
  out.push('| exit | meaning |', '|---|---|', ...codes.map(([c, m]) => `| ${c} | ${cell(m)} |`), '');
  const ex = examples(cmd);
  if (ex.length) out.push('```', ...ex, '```', '');
  return out.join('\n');
}

export function generateCliReference(): string {
  const program = createProgram(() => {});
  const sections = program.commands.map(commandSection);
  return [START, '', '## Commands', '', 'Generated from the command definitions in src/cli/commands/ (`UPDATE=1 npx vitest run test/docs/cli-doc.test.ts`).', '', ...sections, END].join('\n');
}
