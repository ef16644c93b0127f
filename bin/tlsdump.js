#!/usr/bin/env node
// The tlsdump executable: runs the compiled CLI (npm install builds it through the "prepare" script), with the
// heap settings of bin/heap.ts.
import '../dist/bin/heap.js';
import '../dist/bin/cli.js';
