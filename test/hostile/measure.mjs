// Hostile input — runs the built CLI (dist/cli/bin.js) in this process and, when the process
// exits however it exits, writes its exit code, peak RSS and wall time to fd 3 (a pipe: a
// file-size limit set for the case does not apply to it). The parent (harness.ts) kills it at
// the case's time limit; no report then means "hung".
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bin, ...args] = process.argv.slice(2);
const began = performance.now();
process.on('exit', (code) => {
  writeSync(3, JSON.stringify({ code, maxRssKiB: process.resourceUsage().maxRSS, ms: performance.now() - began }));
});
process.argv = [process.argv[0], bin, ...args];
await import(pathToFileURL(bin).href);
