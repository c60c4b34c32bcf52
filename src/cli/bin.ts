#!/usr/bin/env node
// Thin launcher for the `moec` bin (compiled to dist/src/cli/bin.js by `npm run build`,
// which `npm ci` runs through the `prepare` script).
import { main } from './main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
