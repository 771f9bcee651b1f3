// Shared sign / verify helpers on top of @digitalbazaar/vc + DataIntegrityProof,
// used by sign.mjs, verify.mjs, keygen.mjs, the tests and the benchmark.
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite as createJcsSignCryptosuite,
  createVerifyCryptosuite as createJcsVerifyCryptosuite,
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {documentLoader as defaultLoader} from './loader.mjs';

export const SUITES = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'];

/** Imports a Multikey key file object (as written by keygen.mjs / `ler key generate`). */
export async function importKey(keyJson) {
  return Ed25519Multikey.from(keyJson);
}

/** Generates an Ed25519 did:key Multikey and returns the JSON key-file object. */
export async function generateKeyJson() {
  const tmp = await Ed25519Multikey.generate();
  const fingerprint = tmp.publicKeyMultibase;
  const did = `did:key:${fingerprint}`;
  const key = await Ed25519Multikey.from({
    ...(await tmp.export({publicKey: true, secretKey: true, includeContext: true})),
    id: `${did}#${fingerprint}`,
    controller: did,
  });
  // canonicalize: 32-byte seed form of the secret key (multibase "z3u2…")
  return key.export({
    publicKey: true, secretKey: true, includeContext: true, canonicalize: true
  });
}

function signSuite({suite, key, created}) {
  const cryptosuite = suite === 'eddsa-rdfc-2022' ? eddsaRdfc2022 :
    suite === 'eddsa-jcs-2022' ? createJcsSignCryptosuite() : null;
  if(!cryptosuite) {
    throw new Error(`unknown suite "${suite}" (expected one of ${SUITES.join(', ')})`);
  }
  return new DataIntegrityProof({
    signer: key.signer(), date: created, cryptosuite
  });
}

/**
 * Signs `credential` (not modified) with @digitalbazaar/vc `issue`.
 * key: the result of importKey(); created: optional ISO date string.
 */
export async function signCredential(credential, {
  suite = 'eddsa-rdfc-2022', key, created, documentLoader = defaultLoader
}) {
  return vc.issue({
    credential: structuredClone(credential),
    suite: signSuite({suite, key, created}),
    documentLoader,
  });
}

/** DataIntegrityProof verifier suites for both cryptosuites. */
export function verifySuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: createJcsVerifyCryptosuite()}),
  ];
}

/**
 * Verifies with @digitalbazaar/vc `verifyCredential`. By default the proof
 * purpose is vc's CredentialIssuancePurpose (the issuer must be the controller
 * of the verification method). issuerCheck=false uses jsonld-signatures'
 * plain AssertionProofPurpose instead, for third-party vectors whose issuer
 * is not the key's controller (the W3C vc-di-eddsa vectors).
 * Returns {verified, error, result}.
 */
export async function verifyCredential(credential, {
  issuerCheck = true, documentLoader = defaultLoader, suite = verifySuites()
} = {}) {
  const options = {credential, suite, documentLoader};
  if(!issuerCheck) {
    options.purpose = new jsigs.purposes.AssertionProofPurpose();
  }
  const result = await vc.verifyCredential(options);
  return {verified: result.verified === true, error: firstError(result), result};
}

/** The most specific error in a vc/jsigs verification result. */
export function firstError(result) {
  if(result.verified) {
    return undefined;
  }
  const errs = [];
  if(result.error) {
    errs.push(result.error);
  }
  for(const r of result.results || []) {
    if(r.error) {
      errs.push(r.error);
    }
  }
  // jsigs wraps proof errors in a VerificationError with .errors
  const flat = [];
  for(const e of errs) {
    if(Array.isArray(e.errors) && e.errors.length) {
      flat.push(...e.errors);
    } else {
      flat.push(e);
    }
  }
  return flat[0] || new Error('not verified');
}

export function errorMessage(error) {
  if(!error) {
    return '';
  }
  let msg = error.message || String(error);
  if(error.cause?.message) {
    msg += ` (cause: ${error.cause.message})`;
  }
  if(error.details && Object.keys(error.details).length) {
    try {
      msg += ` ${JSON.stringify(error.details)}`;
    } catch {}
  }
  return msg;
}
