// `npm run fuzz`: the fuzzers of test/fuzz for as long as asked, with random seeds. It runs, in turns:
// the mutation fuzzer in-process over real capture text (the project's recordings, the public captures of
// ../shared when present, and any FUZZ_PCAPS directories: captures never seen before), a sample of the mutants
// through the command line in a child process with a 60 s budget, and the property-test files with a fresh seed
// and more runs. Any failure is printed with the seed that replays it and its input saved; the exit status is 1.
//
//   FUZZ_SECONDS=600 npm run fuzz          run for ten minutes (default 300)
//   FUZZ_RUNS=20000 npm run fuzz           stop after that many mutation cases (whichever comes first)
//   FUZZ_SEED=123 npm run fuzz             start from this seed (default: random)
//   FUZZ_PCAPS=/dir1:/dir2 npm run fuzz    also mutate the text of every pcap/pcapng found there
//   FUZZ_ONLY_GIVEN=1                      only those (captures never seen before, e.g. a --holdout recording)
//   FUZZ_REPLAY=4711,4712 npm run fuzz     run the mutation cases of those seeds again and save their inputs
//                                          (with the same captures present: the seed picks among them)
//   FUZZ_SCALE=20                          runs per property test, as a multiple of the CI count (default 10)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, FIXTURES, haveTool, ROOT, tcpdumpText } from '../support/shared.js';
import { cliProblem, runCli } from './cli.js';
import { fuzzOne, fuzzText, report, type FuzzConfig, type FuzzFailure } from './engine.js';
import { mutate, MUTATIONS } from './mutate.js';
import { ALL_EVENTS, FLAG_SETS, Rng } from './support.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
const maxCases = Number(process.env.FUZZ_RUNS ?? Infinity);
const baseSeed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const scale = Number(process.env.FUZZ_SCALE ?? 10);
const outDir = join(tmpdir(), 'tlsdump-fuzz');

/** Extra tcpdump flag sets for the long run: -e, -t, -tttt, -S, names without -n, -v without hex (summaries only). */
const MORE_FLAGS: string[][] = [['-nn', '-e', '-XX'], ['-nn', '-t', '-x'], ['-nn', '-tttt', '-X'], ['-nn', '-S', '-XX'], ['-XX'], ['-nn', '-v']];

function pcapsUnder(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 3) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...pcapsUnder(p, depth + 1));
    else if (/\.(pcap|pcapng|cap)$/.test(e.name) && statSync(p).size < 4 << 20) out.push(p);
  }
  return out;
}

function bases(): { texts: Buffer[]; sources: number } {
  const pcaps = process.env.FUZZ_ONLY_GIVEN ? [] : [...pcapsUnder(FIXTURES), ...pcapsUnder(CAPTURES)];
  for (const d of (process.env.FUZZ_PCAPS ?? '').split(':').filter(Boolean)) pcaps.push(...pcapsUnder(d));
  if (process.env.TLSDUMP_CAPTURES) pcaps.push(...pcapsUnder(process.env.TLSDUMP_CAPTURES));
  const texts: Buffer[] = [];
  let sources = 0;
  for (const p of pcaps) {
    let used = false;
    for (const flags of [...FLAG_SETS, ...MORE_FLAGS]) {
      try {
        const t = tcpdumpText(p, flags);
        if (t.length > 0 && t.length < 8 << 20) {
          texts.push(t);
          used = true;
        }
      } catch {
        // tcpdump cannot read it (a link type it does not know, a damaged file): not a base.
      }
    }
    if (used) sources++;
  }
  return { texts, sources };
}

function save(f: FuzzFailure): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `seed-${f.seed}.txt`);
  writeFileSync(file, f.input);
  return file;
}

function main(): void {
  if (!haveTool('tcpdump')) {
    process.stderr.write('npm run fuzz needs tcpdump to turn captures into text\n');
    process.exitCode = 2;
    return;
  }
  const t0 = Date.now();
  const { texts, sources } = bases();
  const cfg: FuzzConfig = { bases: texts, kinds: MUTATIONS, maxMutations: 6, chunkEvery: 4 };
  process.stdout.write(`fuzz: ${texts.length} texts from ${sources} captures; base seed ${baseSeed}; ${seconds} s\n`);

  if (process.env.FUZZ_REPLAY !== undefined) {
    for (const seed of process.env.FUZZ_REPLAY.split(',').map(Number)) {
      const f = fuzzOne(seed, cfg);
      if (!f) process.stdout.write(`seed ${seed}: passes\n`);
      else {
        process.stdout.write(`${report(f)}\n    saved: ${save(f)}\n`);
        process.exitCode = 1;
      }
    }
    return;
  }

  const stopAt = t0 + seconds * 1000;
  const failures: FuzzFailure[] = [];
  let cases = 0;
  let bytes = 0;
  let events = 0;
  let slowest = 0;
  let cliRuns = 0;
  let cliSlowest = 0;
  let propertyRuns = 0;
  const propertyFailures: string[] = [];
  let seed = baseSeed;
  const propertyFiles = ['cursor', 'text', 'net', 'tcp', 'tls', 'x509', 'safety', 'hostile'];
  for (let round = 0; Date.now() < stopAt && cases < maxCases; round++) {
    // 1. A batch of mutation cases in-process.
    const batch = Math.min(200, maxCases - cases);
    const s = fuzzText(seed, batch, cfg, stopAt);
    seed = (seed + batch) >>> 0;
    cases += s.cases;
    bytes += s.bytes;
    events += s.events;
    slowest = Math.max(slowest, s.slowestMs);
    for (const f of s.failures) {
      failures.push(f);
      process.stdout.write(`FAIL ${report(f)}\n    saved: ${save(f)}\n`);
    }
    if (Date.now() >= stopAt) break;
    // 2. A few mutants through the command line.
    for (let k = 0; k < 3 && Date.now() < stopAt; k++) {
      const rng = new Rng(seed ^ 0x9e3779b9 ^ k);
      const m = mutate(rng, rng.pick(texts), texts, MUTATIONS, 1 + rng.int(6), ALL_EVENTS.maxLineBytes);
      const r = runCli(m.input);
      cliRuns++;
      cliSlowest = Math.max(cliSlowest, r.ms);
      const problem = cliProblem(r);
      if (problem) {
        const f: FuzzFailure = { seed: seed ^ 0x9e3779b9 ^ k, kinds: ['cli', ...m.kinds], problem, input: m.input };
        failures.push(f);
        process.stdout.write(`FAIL (command line) ${report(f)}\n    saved: ${save(f)}\n`);
      }
    }
    // 3. Every few rounds, one property-test file with a fresh seed and more runs.
    if (round % 5 === 4 && Date.now() < stopAt) {
      const file = propertyFiles[propertyRuns % propertyFiles.length]!;
      const pSeed = (seed * 2654435761) >>> 0;
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'uvu', 'bin.js'), join(ROOT, 'dist', 'test', 'fuzz'), `^${file}\\.test\\.js$`],
        {
          cwd: ROOT,
          env: { ...process.env, FUZZ_SEED: String(pSeed), FUZZ_SCALE: String(scale) },
          encoding: 'utf8',
          timeout: 600_000,
        },
      );
      propertyRuns++;
      if (r.status !== 0) {
        const msg = `property tests ${file} with FUZZ_SEED=${pSeed} FUZZ_SCALE=${scale}: exit ${r.status}${r.signal ? ' ' + r.signal : ''}\n${(
          r.stdout + r.stderr
        )
          .split('\n')
          .filter((l) => /FAIL|Counterexample|Got|seed/.test(l))
          .slice(0, 8)
          .join('\n')}`;
        propertyFailures.push(msg);
        process.stdout.write(`FAIL ${msg}\n`);
      }
    }
    if (round % 10 === 9)
      process.stdout.write(
        `  ${Math.round((Date.now() - t0) / 1000)} s: ${cases} cases, ${cliRuns} command-line runs, ${propertyRuns} property files, ${failures.length + propertyFailures.length} failures\n`,
      );
  }
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(
    `fuzz: ${secs.toFixed(0)} s, seeds ${baseSeed}..${seed - 1}: ${cases} mutation cases (${(bytes / 2 ** 20).toFixed(0)} MB of text, ${events} events, slowest ${slowest.toFixed(0)} ms), ` +
      `${cliRuns} command-line runs (slowest ${cliSlowest} ms), ${propertyRuns} property-test files at ${scale}x; ` +
      `${failures.length} failing cases, ${propertyFailures.length} failing property files\n`,
  );
  if (failures.length > 0 || propertyFailures.length > 0) {
    process.stdout.write(`replay a case: FUZZ_REPLAY=<seed> npm run fuzz (inputs saved in ${outDir})\n`);
    process.exitCode = 1;
  }
}

main();
