#!/usr/bin/env node
// Thin launcher for the `moec` bin (compiled by `npm run build` and bundled into dist/cli/bin.js,
// which `npm ci` runs through the `prepare` script).
import { main } from './main.js';

// `moec … | head` closes stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
