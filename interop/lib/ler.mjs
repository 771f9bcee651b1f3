// Locating and running the Rust `ler` CLI from the tests and the benchmark.
import {existsSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {REPO_ROOT} from './loader.mjs';

const CANDIDATES = [
  '/work/target/release/ler',
  '/work/target/debug/ler',
  path.join(REPO_ROOT, 'target', 'release', 'ler'),
  path.join(REPO_ROOT, 'target', 'debug', 'ler'),
];

/**
 * Returns {bin} or {error}: LER_BIN if set (it must exist), else the first of
 * /work/target/{release,debug}/ler (then <repo>/target/{release,debug}/ler).
 */
export function findLer() {
  const env = process.env.LER_BIN;
  if(env) {
    if(!existsSync(env)) {
      return {error: `LER_BIN="${env}" does not exist. Build it with ` +
        '`cargo build -p ler` (or `cargo build --release -p ler`) and point LER_BIN at it.'};
    }
    return {bin: path.resolve(env)};
  }
  const bin = CANDIDATES.find(c => existsSync(c));
  if(bin) {
    return {bin};
  }
  return {error: 'ler CLI binary not found: LER_BIN is not set and none of ' +
    `${CANDIDATES.join(', ')} exists. Build it with \`cargo build -p ler\` ` +
    '(or `cargo build --release -p ler`) and set LER_BIN=/path/to/ler.'};
}

/** The environment for ler children: LER_KEK removed so key files are unencrypted. */
export function lerEnv() {
  const env = {...process.env};
  delete env.LER_KEK;
  return env;
}

/**
 * Runs `ler ARGS…` synchronously. Returns {status, stdout, stderr, cmd}.
 * opts.input: stdin contents; opts.stdoutFile: an fd to send stdout to.
 */
export function runLer(bin, args, {input, stdout, timeout = 120_000} = {}) {
  const r = spawnSync(bin, args, {
    env: lerEnv(),
    input,
    encoding: 'utf8',
    timeout,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', stdout ?? 'pipe', 'pipe'],
  });
  const cmd = `ler ${args.join(' ')}`;
  if(r.error) {
    throw new Error(`${cmd}: ${r.error.message}`);
  }
  return {status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', cmd};
}

/** Formats a failed run for an assertion message. */
export function describeRun(r) {
  return `${r.cmd} -> exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n` +
    `stdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}
