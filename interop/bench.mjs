#!/usr/bin/env node
// Usage: node bench.mjs [--n 2000] [--warmup 50]
// Generates a key, signs one OB 3.0 credential with eddsa-rdfc-2022 and
// eddsa-jcs-2022, writes N copies of each as JSON Lines to a temp file, then
// measures in this one run:
//   - JS sign/s    (@digitalbazaar/vc issue, sequential, this process)
//   - JS verify/s  (@digitalbazaar/vc verifyCredential, sequential, this process,
//                   JSON.parse of each line included)
//   - ler verify/s (`ler verify -` < FILE > /dev/null, wall clock including
//                   process start; exit code must be 0)
// and prints a side-by-side table. The ler binary comes from LER_BIN, else
// /work/target/release/ler, else /work/target/debug/ler (a debug build is slow).
import {mkdtempSync, writeFileSync, readFileSync, openSync, closeSync, rmSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {SUITES, importKey, generateKeyJson, signCredential, verifyCredential, errorMessage}
  from './lib/di.mjs';
import {findLer, lerEnv} from './lib/ler.mjs';

const {values} = parseArgs({options: {
  n: {type: 'string', default: '2000'},
  warmup: {type: 'string', default: '50'},
}});
const N = Number.parseInt(values.n, 10);
const WARMUP = Number.parseInt(values.warmup, 10);
if(!(N > 0) || !(WARMUP >= 0)) {
  console.error('usage: node bench.mjs [--n 2000] [--warmup 50]');
  process.exit(2);
}

const PACKAGES = [
  '@digitalbazaar/vc', '@digitalbazaar/data-integrity',
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite', '@digitalbazaar/eddsa-jcs-2022-cryptosuite',
  '@digitalbazaar/ed25519-multikey', 'jsonld-signatures', 'jsonld', 'rdf-canonize', 'canonicalize',
  '@noble/ed25519',
];
function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(
      path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules', name, 'package.json'),
      'utf8')).version;
  } catch {
    return '?';
  }
}

const keyJson = await generateKeyJson();
const key = await importKey(keyJson);
const did = keyJson.controller;
const credential = {
  '@context': [
    'https://www.w3.org/ns/credentials/v2',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  ],
  id: 'urn:uuid:0b1e0a52-8f0b-4c3c-9a0e-6a8f1f6f2d10',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: {id: did, type: ['Profile'], name: 'Benchmark Issuer'},
  validFrom: '2024-01-01T00:00:00Z',
  name: 'Benchmark Badge',
  credentialSubject: {
    id: 'did:example:learner-1',
    type: ['AchievementSubject'],
    achievement: {
      id: 'https://example.com/achievements/bench',
      type: ['Achievement'],
      name: 'Benchmark',
      description: 'A credential signed once and verified many times.',
      criteria: {narrative: 'Be fast.'},
    },
  },
};

const tmp = mkdtempSync(path.join(tmpdir(), 'ler-bench-'));
process.on('exit', () => rmSync(tmp, {recursive: true, force: true}));

function rate(count, ns) {
  return count / (Number(ns) / 1e9);
}

async function timeJsSign(suite, count) {
  const start = process.hrtime.bigint();
  for(let i = 0; i < count; i++) {
    await signCredential(credential, {suite, key});
  }
  return rate(count, process.hrtime.bigint() - start);
}

async function timeJsVerify(lines, count) {
  const start = process.hrtime.bigint();
  for(let i = 0; i < count; i++) {
    const {verified, error} = await verifyCredential(JSON.parse(lines[i]));
    if(!verified) {
      throw new Error(`JS verify failed: ${errorMessage(error)}`);
    }
  }
  return rate(count, process.hrtime.bigint() - start);
}

function timeLerVerify(bin, file) {
  const inFd = openSync(file, 'r');
  const outFd = openSync('/dev/null', 'w');
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(bin, ['verify', '--json', '--offline', '-'], {
      env: lerEnv(), stdio: [inFd, outFd, 'pipe'], encoding: 'utf8', timeout: 600_000,
    });
    const ns = process.hrtime.bigint() - start;
    if(r.error) {
      return {error: r.error.message};
    }
    if(r.status !== 0) {
      return {error: `exit ${r.status}${r.signal ? ` signal ${r.signal}` : ''}: ${(r.stderr || '').trim().slice(0, 300)}`};
    }
    return {rate: rate(N, ns), seconds: Number(ns) / 1e9};
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
}

// Untimed sanity check that the binary really verifies: 3 good lines -> exit 0
// and one report line each; a tampered line -> exit 1. (A no-op binary would
// otherwise show a huge rate.)
function lerSanity(bin, signedLine) {
  const bad = JSON.parse(signedLine);
  bad.credentialSubject.achievement.name += ' (tampered)';
  const run = input => spawnSync(bin, ['verify', '--json', '--offline', '-'], {env: lerEnv(), input, encoding: 'utf8', timeout: 60_000});
  const good = run(`${signedLine}\n`.repeat(3));
  if(good.error || good.status !== 0) {
    return `3 valid lines: exit ${good.status} ${good.error?.message ?? ''}${(good.stderr || '').trim().slice(0, 300)}`;
  }
  const reports = good.stdout.split('\n').filter(l => l.trim()).length;
  if(reports !== 3) {
    return `3 valid lines: expected 3 report lines on stdout, got ${reports}`;
  }
  const t = run(`${signedLine}\n${JSON.stringify(bad)}\n`);
  if(t.status !== 1) {
    return `valid + tampered line: expected exit 1, got ${t.status}`;
  }
  return null;
}

const ler = findLer();
const rows = [];
for(const suite of SUITES) {
  const signed = await signCredential(credential, {suite, key});
  const line = JSON.stringify(signed);
  const file = path.join(tmp, `${suite}.jsonl`);
  writeFileSync(file, (line + '\n').repeat(N));
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);

  // warm up JIT and the jsonld context caches (untimed)
  await timeJsVerify(lines, Math.min(WARMUP, N));
  for(let i = 0; i < WARMUP; i++) {
    await signCredential(credential, {suite, key});
  }

  process.stderr.write(`${suite}: JS sign x${N} ... `);
  const jsSign = await timeJsSign(suite, N);
  process.stderr.write(`JS verify x${N} ... `);
  const jsVerify = await timeJsVerify(lines, N);
  let lerResult;
  if(ler.error) {
    lerResult = {error: 'ler not found'};
  } else {
    const insane = lerSanity(ler.bin, line);
    if(insane) {
      lerResult = {error: `sanity check failed (${insane})`};
    } else {
      process.stderr.write(`ler verify - x${N} ...`);
      lerResult = timeLerVerify(ler.bin, file);
    }
  }
  process.stderr.write('\n');
  rows.push({suite, bytes: Buffer.byteLength(line), jsSign, jsVerify, ler: lerResult});
}

const fmt = x => x.toFixed(0).padStart(12);
console.log(`\nler interop benchmark: N=${N} copies of one OB 3.0 credential per suite ` +
  `(warm-up ${WARMUP}, sequential, one process)`);
console.log(`node ${process.version} (${process.platform} ${process.arch})`);
console.log(PACKAGES.map(p => `${p}@${pkgVersion(p)}`).join(', '));
if(ler.error) {
  console.log(`ler: ${ler.error}`);
} else {
  const v = spawnSync(ler.bin, ['--version'], {env: lerEnv(), encoding: 'utf8'});
  const version = v.status === 0 ? v.stdout.trim() : '(no --version)';
  console.log(`ler: ${ler.bin} ${version}${ler.bin.includes('/debug/') ? '  [DEBUG BUILD]' : ''}`);
}
console.log('');
const header = ['suite'.padEnd(16), 'cred bytes', 'JS sign/s', 'JS verify/s', 'ler verify/s', 'ler/JS verify'];
console.log(`${header[0]} ${header.slice(1).map(h => h.padStart(12)).join(' ')}`);
console.log('-'.repeat(16 + 13 * 5));
for(const r of rows) {
  const lerCell = r.ler.error ? 'n/a'.padStart(12) : fmt(r.ler.rate);
  const ratio = r.ler.error ? 'n/a'.padStart(12) : `${(r.ler.rate / r.jsVerify).toFixed(1)}x`.padStart(12);
  console.log(`${r.suite.padEnd(16)} ${String(r.bytes).padStart(12)} ${fmt(r.jsSign)} ${fmt(r.jsVerify)} ${lerCell} ${ratio}`);
}
const failures = rows.filter(r => r.ler.error && !ler.error);
for(const r of failures) {
  console.log(`\nler verify - failed for ${r.suite}: ${r.ler.error}`);
}
console.log('\nler verify/s is wall clock for `ler verify --json --offline - < FILE > /dev/null`, process start included.');
process.exitCode = failures.length ? 1 : 0;
