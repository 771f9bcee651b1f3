#!/usr/bin/env node
// Usage: node keygen.mjs --out FILE
// Writes an Ed25519 did:key Multikey key file (mode 0600):
// {"@context","id":"did:key:z6Mk…#z6Mk…","type":"Multikey","controller","publicKeyMultibase","secretKeyMultibase":"z3u2…"}
import {writeFileSync, chmodSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {generateKeyJson} from './lib/di.mjs';

const USAGE = 'usage: node keygen.mjs --out FILE';
let values;
try {
  ({values} = parseArgs({options: {out: {type: 'string'}}}));
} catch(e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if(!values.out) {
  console.error(USAGE);
  process.exit(2);
}
const key = await generateKeyJson();
writeFileSync(values.out, JSON.stringify(key, null, 2) + '\n', {mode: 0o600, flag: 'wx'});
chmodSync(values.out, 0o600);
console.error(`wrote ${values.out} (${key.controller})`);
