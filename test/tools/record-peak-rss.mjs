// Bench helper, preloaded with `node --import ./test/tools/record-peak-rss.mjs <program>`: at
// exit, writes this process's peak RSS in bytes to $MOEC_PEAK_RSS_FILE — VmHWM from
// /proc/self/status (the high-water mark since exec; getrusage's ru_maxrss would include the
// parent's memory at fork), else getrusage where there is no /proc. Plain JS: no loader needed.
import { readFileSync, writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.MOEC_PEAK_RSS_FILE;
  if (!file) return;
  let bytes = process.resourceUsage().maxRSS * 1024;
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) bytes = Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  writeFileSync(file, String(bytes));
});
