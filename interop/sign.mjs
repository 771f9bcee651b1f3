#!/usr/bin/env node
// Usage: node sign.mjs --suite eddsa-rdfc-2022|eddsa-jcs-2022 --key KEYFILE [--created ISO] UNSIGNED.json
// Prints the signed credential (JSON) to stdout. Signs with @digitalbazaar/vc `issue`,
// DataIntegrityProof and the chosen cryptosuite; the key file is a Multikey JSON
// with secretKeyMultibase (as written by keygen.mjs or `ler key generate`).
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {importKey, signCredential, SUITES, errorMessage} from './lib/di.mjs';

const USAGE = 'usage: node sign.mjs --suite eddsa-rdfc-2022|eddsa-jcs-2022 ' +
  '--key KEYFILE [--created ISO] UNSIGNED.json';

let values, positionals;
try {
  ({values, positionals} = parseArgs({
    allowPositionals: true,
    options: {
      suite: {type: 'string', default: 'eddsa-rdfc-2022'},
      key: {type: 'string'},
      created: {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
  }));
} catch(e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if(values.help) {
  console.log(USAGE);
  process.exit(0);
}
if(!values.key || positionals.length !== 1 || !SUITES.includes(values.suite)) {
  console.error(USAGE);
  process.exit(2);
}
if(values.created !== undefined && isNaN(new Date(values.created))) {
  console.error(`invalid --created "${values.created}"`);
  process.exit(2);
}

try {
  const key = await importKey(JSON.parse(readFileSync(values.key, 'utf8')));
  const credential = JSON.parse(readFileSync(positionals[0], 'utf8'));
  const signed = await signCredential(credential, {
    suite: values.suite, key, created: values.created
  });
  process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
} catch(e) {
  console.error(`sign failed: ${errorMessage(e)}`);
  process.exit(1);
}
