// Preloaded into a child tlsdump (`node --import ./dist/test/fuzz/rss.js bin/tlsdump.js …`) by the memory checks:
// at exit it writes the process's peak resident set size, in bytes, to stderr as `tlsdump-peak-rss <n>`.

process.on('exit', () => {
  process.stderr.write(`tlsdump-peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
});
