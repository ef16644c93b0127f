#!/usr/bin/env node
// The tlsdump executable: runs the compiled CLI (npm install builds it through the "prepare" script).
import '../dist/bin/cli.js';
