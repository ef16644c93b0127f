#!/usr/bin/env node
// The tlsdump executable: runs the compiled CLI (npm install builds it through the "prepare" script), after the
// heap settings (bin/heap.ts), which take effect only if set before the CLI's modules are loaded.
import '../dist/bin/heap.js';
await import('../dist/bin/cli.js');
