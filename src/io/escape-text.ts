/**
 * Output (every human-readable channel: pretty diagnostics, explain, compile and train
 * summaries, fmt, report): user-controlled text — model names, paths, keys, file contents
 * quoted in messages — is printed with its control characters made visible. Otherwise a
 * newline in a model name could forge a `::error …` line that GitHub Actions runs as a
 * workflow command, and an ESC sequence could rewrite the reader's terminal. Escaped: C0
 * controls (newline and tab included), DEL, C1 controls (U+009B is a one-byte CSI), the
 * Unicode line/paragraph separators and the bidirectional overrides ("Trojan Source").
 * Machine formats (JSON, SARIF) carry the raw strings; their encoders escape them.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line of output: every control character becomes a visible escape (`\n`, `\x1b`, `\u{202e}`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Text meant to span lines (generated text): as escapeControls, but newline and tab are kept. */
export function escapeControlsKeepLines(text: string): string {
  return text.replace(UNSAFE_KEEP_LINES, visible);
}
