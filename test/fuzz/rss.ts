// Preloaded into a child tlsdump (`node --import ./dist/test/fuzz/rss.js bin/tlsdump.js …`) by the memory checks:
// at exit it writes the process's peak resident set size, in bytes, to stderr as `tlsdump-peak-rss <n>`. On Linux
// it reads VmHWM from /proc/self/status: getrusage's ru_maxrss would also count the parent's RSS at fork time,
// which exec carries over into the child's figure.

import { readFileSync } from 'node:fs';

function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on('exit', () => {
  process.stderr.write(`tlsdump-peak-rss ${peakRss()}\n`);
});
