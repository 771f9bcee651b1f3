#!/usr/bin/env node
// Usage: node verify.mjs [--no-issuer-check] FILE
// Verifies a credential with @digitalbazaar/vc `verifyCredential` (DataIntegrityProof,
// eddsa-rdfc-2022 and eddsa-jcs-2022) and the offline loader. Prints VERIFIED
// (exit 0) or the error (exit 1); usage / I/O errors exit 2.
// --no-issuer-check uses a plain AssertionProofPurpose instead of vc's
// CredentialIssuancePurpose (for vectors whose issuer is not the key's controller).
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {verifyCredential, errorMessage} from './lib/di.mjs';

const USAGE = 'usage: node verify.mjs [--no-issuer-check] FILE';
let values, positionals;
try {
  ({values, positionals} = parseArgs({
    allowPositionals: true,
    options: {'no-issuer-check': {type: 'boolean', default: false}},
  }));
} catch(e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if(positionals.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}
let credential;
try {
  credential = JSON.parse(readFileSync(positionals[0], 'utf8'));
} catch(e) {
  console.error(`cannot read ${positionals[0]}: ${e.message}`);
  process.exit(2);
}
const {verified, error} = await verifyCredential(credential, {
  issuerCheck: !values['no-issuer-check']
});
if(verified) {
  console.log('VERIFIED');
  process.exit(0);
}
console.log(`NOT VERIFIED: ${errorMessage(error)}`);
process.exit(1);
