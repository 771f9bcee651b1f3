// Interop tests: ler (Rust CLI) against @digitalbazaar/vc + DataIntegrityProof
// with eddsa-rdfc-2022 and eddsa-jcs-2022. Run: LER_BIN=/path/to/ler npm test
//
// JS-only parts (loader, JS sign/verify, tamper rejection, published vectors)
// run without the CLI. The parts that need `ler` fail with one clear message
// (test "ler CLI binary is available") and are skipped when it is missing.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync, writeFileSync, readFileSync, existsSync, statSync, rmSync
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {
  createDocumentLoader, documentLoader, REPO_ROOT, REFERENCE_DIR,
  DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1,
} from '../lib/loader.mjs';
import {
  SUITES, importKey, generateKeyJson, signCredential, verifyCredential,
  errorMessage,
} from '../lib/di.mjs';
import {findLer, runLer, describeRun} from '../lib/ler.mjs';

const CREATED = '2024-05-01T12:00:00Z';
const PLACEHOLDER = 'did:key:ISSUER';
const VECTORS = path.join(REFERENCE_DIR, 'vectors');
const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');
const FIXTURE_NAMES = ['ob3-achievement.json', 'endorsement.json', 'clr.json', 'employment.json'];

// ---------------------------------------------------------------------------
// documents

/** A small OB 3.0 credential; used until (and alongside) the Rust fixtures. */
const INLINE_OB3 = {
  '@context': [
    'https://www.w3.org/ns/credentials/v2',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  ],
  id: 'urn:uuid:3f4a6f2e-5b1c-4d0e-9a57-2b7c1e9d0a11',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: {id: PLACEHOLDER, type: ['Profile'], name: 'Interop Test Issuer'},
  validFrom: '2024-01-01T00:00:00Z',
  name: 'Interop Badge',
  credentialSubject: {
    id: 'did:example:learner-1',
    type: ['AchievementSubject'],
    achievement: {
      id: 'https://example.com/achievements/interop',
      type: ['Achievement'],
      name: 'Interop',
      description: 'Signed by one implementation, verified by another.',
      criteria: {narrative: 'Round-trip a credential between ler and the JS stack.'},
    },
  },
};

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Deep-replaces the issuer placeholder (and placeholder-prefixed strings) with `did`. */
function withIssuer(doc, did) {
  if(typeof doc === 'string') {
    return doc.startsWith(PLACEHOLDER) ? did + doc.slice(PLACEHOLDER.length) : doc;
  }
  if(Array.isArray(doc)) {
    return doc.map(d => withIssuer(d, did));
  }
  if(doc && typeof doc === 'object') {
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, withIssuer(v, did)]));
  }
  return doc;
}

/** The 1EdTech OB 3.0 vector's unsigned credential with its issuer made the placeholder. */
function ob3VectorUnsigned() {
  const doc = readJson(path.join(VECTORS, 'ob3-1edtech', 'unsigned.json'));
  if(typeof doc.issuer === 'string') {
    doc.issuer = PLACEHOLDER;
  } else {
    doc.issuer.id = PLACEHOLDER;
  }
  return doc;
}

const existingFixtures = FIXTURE_NAMES.filter(f => existsSync(path.join(FIXTURES_DIR, f)));

/** name -> template (with placeholder issuer) */
const DOCUMENTS = [
  {name: 'inline-ob3', template: INLINE_OB3},
  {name: 'ob3-1edtech/unsigned.json', template: ob3VectorUnsigned()},
  ...existingFixtures.map(f => ({
    name: `fixtures/${f}`,
    template: readJson(path.join(FIXTURES_DIR, f)),
  })),
];

// ---------------------------------------------------------------------------
// tampering

function firstOf(v) {
  return Array.isArray(v) ? v[0] : v;
}

/** Finds a string leaf under obj (depth-first), skipping id/type/@context. */
function findStringLeaf(obj) {
  if(!obj || typeof obj !== 'object') {
    return null;
  }
  for(const [k, v] of Object.entries(obj)) {
    if(['id', 'type', '@context'].includes(k)) {
      continue;
    }
    if(typeof v === 'string') {
      return {parent: obj, key: k};
    }
  }
  for(const [k, v] of Object.entries(obj)) {
    if(k !== '@context' && v && typeof v === 'object') {
      const found = findStringLeaf(v);
      if(found) {
        return found;
      }
    }
  }
  return null;
}

const TAMPERS = {
  'credentialSubject.achievement.name changed'(vc) {
    const subject = firstOf(vc.credentialSubject);
    const achievement = firstOf(subject?.achievement);
    if(achievement && typeof achievement.name === 'string') {
      achievement.name += ' (tampered)';
      return vc;
    }
    // documents without an achievement: change the first string in the subject
    const leaf = findStringLeaf(subject);
    assert.ok(leaf, 'no string property to tamper with in credentialSubject');
    leaf.parent[leaf.key] += ' (tampered)';
    return vc;
  },
  'one proofValue character changed'(vc) {
    const proof = firstOf(vc.proof);
    const pv = proof.proofValue;
    const i = 20;
    const c = pv[i] === 'A' ? 'B' : 'A';
    proof.proofValue = pv.slice(0, i) + c + pv.slice(i + 1);
    assert.notEqual(proof.proofValue, pv);
    return vc;
  },
  'property added'(vc) {
    if(!('validUntil' in vc)) {
      vc.validUntil = '2099-12-31T23:59:59Z';
    } else if(!('description' in vc)) {
      vc.description = 'added after signing';
    } else {
      firstOf(vc.credentialSubject).description = 'added after signing';
    }
    return vc;
  },
};

function tampered(signed, kind) {
  return TAMPERS[kind](structuredClone(signed));
}

async function assertJsVerifies(vc, msg = '') {
  const {verified, error} = await verifyCredential(vc);
  assert.ok(verified, `JS verification failed${msg}: ${errorMessage(error)}`);
}

async function assertJsRejects(vc, msg = '') {
  const {verified} = await verifyCredential(vc);
  assert.equal(verified, false, `JS verified a tampered credential${msg}`);
}

// ---------------------------------------------------------------------------
// temp dir + keys

const TMP = mkdtempSync(path.join(tmpdir(), 'ler-interop-'));
after(() => rmSync(TMP, {recursive: true, force: true}));
let tmpCounter = 0;
function tmpFile(name, content) {
  const file = path.join(TMP, `${++tmpCounter}-${name.replace(/[^\w.-]+/g, '_')}`);
  if(content !== undefined) {
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return file;
}

// ---------------------------------------------------------------------------
// JS-only

describe('offline document loader', () => {
  it('serves every context the documents and vectors use', async () => {
    for(const url of [
      'https://www.w3.org/2018/credentials/v1',
      'https://www.w3.org/ns/credentials/v2',
      'https://w3id.org/security/data-integrity/v1',
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/security/multikey/v1',
      'https://w3id.org/security/suites/ed25519-2020/v1',
      'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
      'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
      'https://www.w3.org/ns/credentials/examples/v2',
    ]) {
      const r = await documentLoader(url);
      assert.equal(r.documentUrl, url);
      assert.ok(r.document && typeof r.document === 'object', url);
      assert.ok('@context' in r.document, `${url} has no @context`);
    }
  });

  it('throws naming the URL for anything unknown (no network)', async () => {
    for(const url of [
      'https://example.com/unknown-context.jsonld',
      'https://www.w3.org/ns/did/v1',
      'did:web:example.com',
    ]) {
      await assert.rejects(documentLoader(url), e => e.message.includes(url));
    }
  });

  it('resolves did:key to a DID document and to its Multikey method', async () => {
    const key = await Ed25519Multikey.generate();
    const fp = key.publicKeyMultibase;
    const did = `did:key:${fp}`;
    const {document: doc} = await documentLoader(did);
    assert.deepEqual(doc['@context'], [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1]);
    assert.equal(doc.id, did);
    assert.deepEqual(doc.assertionMethod, [`${did}#${fp}`]);
    assert.deepEqual(doc.authentication, [`${did}#${fp}`]);
    assert.equal(doc.verificationMethod[0].publicKeyMultibase, fp);
    const {document: vm} = await documentLoader(`${did}#${fp}`);
    assert.deepEqual(vm, {
      '@context': MULTIKEY_CONTEXT_V1, id: `${did}#${fp}`, type: 'Multikey',
      controller: did, publicKeyMultibase: fp,
    });
    await assert.rejects(documentLoader(`${did}#other`), /fragment/);
    await assert.rejects(documentLoader('did:key:z6MkNOTAKEY'), /did:key/);
  });
});

describe('JS reference stack (no ler needed)', () => {
  let key;
  let did;
  before(async () => {
    const keyJson = await generateKeyJson();
    key = await importKey(keyJson);
    did = keyJson.controller;
  });

  it('keygen writes the ler key-file shape', async () => {
    const k = await generateKeyJson();
    assert.equal(k['@context'], MULTIKEY_CONTEXT_V1);
    assert.equal(k.type, 'Multikey');
    assert.match(k.controller, /^did:key:z6Mk/);
    assert.equal(k.id, `${k.controller}#${k.publicKeyMultibase}`);
    assert.equal(k.controller, `did:key:${k.publicKeyMultibase}`);
    assert.match(k.secretKeyMultibase, /^z3u2/);
  });

  for(const suite of SUITES) {
    describe(suite, () => {
      for(const {name, template} of DOCUMENTS) {
        it(`${name}: JS sign -> JS verify; tampered copies rejected`, async () => {
          const signed = await signCredential(withIssuer(template, did), {
            suite, key, created: CREATED
          });
          assert.equal(signed.proof.cryptosuite, suite);
          assert.equal(signed.proof.created, CREATED);
          await assertJsVerifies(signed);
          for(const kind of Object.keys(TAMPERS)) {
            await assertJsRejects(tampered(signed, kind), ` (${kind})`);
          }
        });
      }

      it('signing is deterministic for the same key, document and created', async () => {
        const doc = withIssuer(INLINE_OB3, did);
        const a = await signCredential(doc, {suite, key, created: CREATED});
        const b = await signCredential(doc, {suite, key, created: CREATED});
        assert.equal(a.proof.proofValue, b.proof.proofValue);
      });
    });
  }

  it('a credential whose issuer is not the key controller is rejected', async () => {
    const other = await importKey(await generateKeyJson());
    const signed = await signCredential(withIssuer(INLINE_OB3, did), {key: other, created: CREATED});
    const {verified, error} = await verifyCredential(signed);
    assert.equal(verified, false);
    assert.match(error.message, /issuer must match/);
  });
});

describe('published vectors in JS', () => {
  const W3C = {
    'eddsa-rdfc-2022': path.join(VECTORS, 'vc-di-eddsa', 'eddsa-rdfc-2022', 'signedDataInt.json'),
    'eddsa-jcs-2022': path.join(VECTORS, 'vc-di-eddsa', 'eddsa-jcs-2022', 'signedJCS.json'),
  };
  for(const [suite, file] of Object.entries(W3C)) {
    it(`W3C vc-di-eddsa ${suite} vector verifies (did:key + examples/v2 context)`, async () => {
      const vc = readJson(file);
      // The vector's issuer (https://vc.example/issuers/5678) is not the did:key
      // controller, so only the proof is checked (AssertionProofPurpose) ...
      const r = await verifyCredential(vc, {issuerCheck: false});
      assert.ok(r.verified, errorMessage(r.error));
      // ... and vc's CredentialIssuancePurpose rejects only for the issuer binding.
      const strict = await verifyCredential(vc);
      assert.equal(strict.verified, false);
      assert.match(strict.error.message, /issuer must match the verification method controller/);
      for(const kind of Object.keys(TAMPERS)) {
        const t = await verifyCredential(tampered(vc, kind), {issuerCheck: false});
        assert.equal(t.verified, false, kind);
      }
    });
  }

  // The 1EdTech vectors use https://example.edu/issuers/565049#z6Mk… as the
  // verification method; serve that controller document and method to the loader.
  function oneEdTechLoader(expected) {
    const [controller] = expected.verificationMethod.split('#');
    const vm = {
      '@context': MULTIKEY_CONTEXT_V1, id: expected.verificationMethod,
      type: 'Multikey', controller, publicKeyMultibase: expected.publicKeyMultibase,
    };
    return createDocumentLoader({extra: {
      [expected.verificationMethod]: vm,
      [controller]: {
        '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
        id: controller, assertionMethod: [expected.verificationMethod],
      },
    }});
  }

  for(const dir of ['ob3-1edtech', 'clr2-1edtech']) {
    it(`1EdTech ${dir} signed vector verifies; JS re-signing reproduces its proofValue`, async () => {
      const expected = readJson(path.join(VECTORS, dir, 'expected.json'));
      const loader = oneEdTechLoader(expected);
      const signed = readJson(path.join(VECTORS, dir, 'signed.json'));
      const r = await verifyCredential(signed, {documentLoader: loader});
      assert.ok(r.verified, errorMessage(r.error));

      const [controller] = expected.verificationMethod.split('#');
      const key = await importKey({
        '@context': MULTIKEY_CONTEXT_V1, type: 'Multikey',
        id: expected.verificationMethod, controller,
        publicKeyMultibase: expected.publicKeyMultibase,
        secretKeyMultibase: expected.secretKeyMultibase,
      });
      const unsigned = readJson(path.join(VECTORS, dir, 'unsigned.json'));
      const resigned = await signCredential(unsigned, {
        suite: 'eddsa-rdfc-2022', key, created: expected.proofConfig.created,
        documentLoader: loader,
      });
      assert.equal(firstOf(resigned.proof).proofValue, expected.proofValue);
    });
  }
});

// ---------------------------------------------------------------------------
// Rust fixtures

describe('Rust fixtures', () => {
  it(`at least one of ${FIXTURE_NAMES.join(', ')} exists in ${FIXTURES_DIR}`, () => {
    assert.ok(existingFixtures.length > 0,
      `no credential fixtures found in ${FIXTURES_DIR} (expected ${FIXTURE_NAMES.join(', ')}); ` +
      'the interop cases ran only on the inline OB3 credential and the 1EdTech vector');
  });
});

// ---------------------------------------------------------------------------
// ler CLI

const LER = findLer();
const skipLer = LER.error ? 'ler CLI binary not found (see "ler CLI binary is available")' : false;

describe('ler CLI', () => {
  it('ler CLI binary is available', () => {
    assert.ok(!LER.error, LER.error);
  });

  // The key from `ler key generate`, made once on first use; if that fails, every
  // case that needs it fails with the same message.
  let lerKeyPromise;
  function lerKey() {
    lerKeyPromise ??= (async () => {
      const file = tmpFile('ler-key.json');
      const r = runLer(LER.bin, ['key', 'generate', '--out', file]);
      assert.equal(r.status, 0, describeRun(r));
      assert.ok(existsSync(file), `${describeRun(r)}\nbut ${file} was not written`);
      let json;
      try {
        json = readJson(file);
      } catch(e) {
        assert.fail(`${r.cmd}: the key file is not JSON (${e.message})`);
      }
      return {file, json, key: await importKey(json), did: json.controller};
    })();
    return lerKeyPromise;
  }

  // `ler issue --key KEYFILE --suite SUITE --created CREATED UNSIGNED.json`
  function lerIssue(doc, suite, keyFile) {
    const unsignedFile = tmpFile('unsigned.json', doc);
    const r = runLer(LER.bin, ['issue', '--key', keyFile, '--suite', suite, '--created', CREATED, unsignedFile]);
    assert.equal(r.status, 0, describeRun(r));
    try {
      return JSON.parse(r.stdout);
    } catch(e) {
      assert.fail(`${r.cmd}: stdout is not JSON (${e.message}):\n${r.stdout.slice(0, 2000)}`);
    }
  }

  // `ler verify FILE`
  function lerVerify(vc, label) {
    const file = tmpFile(`${label}.json`, vc);
    return runLer(LER.bin, ['verify', file]);
  }

  it('ler key generate writes an unencrypted Multikey key file, mode 0600', {skip: skipLer}, async () => {
    const {file, json} = await lerKey();
    assert.equal(statSync(file).mode & 0o777, 0o600, 'key file mode');
    assert.equal(json.type, 'Multikey');
    assert.match(json.controller, /^did:key:z6Mk/);
    assert.equal(json.controller, `did:key:${json.publicKeyMultibase}`);
    assert.equal(json.id, `${json.controller}#${json.publicKeyMultibase}`);
    assert.equal(typeof json.secretKeyMultibase, 'string', 'secretKeyMultibase (unencrypted)');
  });

  for(const suite of SUITES) {
    describe(suite, {skip: skipLer}, () => {
      for(const {name, template} of DOCUMENTS) {
        it(`(a) ${name}: ler issue -> JS verify`, async () => {
          const {file, did} = await lerKey();
          const signed = lerIssue(withIssuer(template, did), suite, file);
          assert.equal(firstOf(signed.proof).cryptosuite, suite);
          await assertJsVerifies(signed);
        });

        it(`(b) ${name}: JS sign -> ler verify`, async () => {
          const {key, did} = await lerKey();
          const doc = withIssuer(template, did);
          // ler verifies the credentials a CLR encloses, so they must be signed too.
          const inner = doc.credentialSubject?.verifiableCredential;
          if(Array.isArray(inner)) {
            doc.credentialSubject.verifiableCredential = await Promise.all(
              inner.map(c => signCredential(c, {suite, key, created: CREATED})));
          }
          const signed = await signCredential(doc, {suite, key, created: CREATED});
          await assertJsVerifies(signed, ' (sanity)');
          const r = lerVerify(signed, 'js-signed');
          assert.equal(r.status, 0, describeRun(r));
        });

        it(`(c) ${name}: tampered copies fail in JS and in ler`, async () => {
          const {file, key, did} = await lerKey();
          const doc = withIssuer(template, did);
          const sources = {
            'JS-signed': await signCredential(doc, {suite, key, created: CREATED}),
            'ler-signed': lerIssue(doc, suite, file),
          };
          for(const [origin, signed] of Object.entries(sources)) {
            for(const kind of Object.keys(TAMPERS)) {
              const t = tampered(signed, kind);
              await assertJsRejects(t, ` (${origin}, ${kind})`);
              const r = lerVerify(t, `tampered-${origin}`);
              assert.equal(r.status, 1,
                `ler must report not verified (exit 1) for ${origin}, ${kind}:\n${describeRun(r)}`);
            }
          }
        });

        it(`(d) ${name}: same key + same created -> identical proofValue`, async () => {
          const {file, key, did} = await lerKey();
          const doc = withIssuer(template, did);
          const fromLer = lerIssue(doc, suite, file);
          const fromJs = await signCredential(doc, {suite, key, created: CREATED});
          assert.equal(firstOf(fromLer.proof).proofValue, firstOf(fromJs.proof).proofValue,
            'ler and JS proofValues differ for the same key, document and created');
        });

        it(`(d') ${name}: ler and JS produce the same signed document`, async () => {
          const {file, key, did} = await lerKey();
          const doc = withIssuer(template, did);
          const fromLer = lerIssue(doc, suite, file);
          const fromJs = await signCredential(doc, {suite, key, created: CREATED});
          assert.deepEqual(fromLer, fromJs);
        });
      }
    });
  }

  it('ler issue accepts a key file written by the JS stack (keygen.mjs format)', {skip: skipLer}, async () => {
    const jsKeyJson = await generateKeyJson();
    const jsKeyFile = tmpFile('js-key.json', jsKeyJson);
    const signed = lerIssue(withIssuer(INLINE_OB3, jsKeyJson.controller), 'eddsa-rdfc-2022', jsKeyFile);
    await assertJsVerifies(signed);
  });

  it('ler verify - reads JSON Lines from stdin (exit 0 all verified, 1 if any not)', {skip: skipLer}, async () => {
    const {key, did} = await lerKey();
    const lines = [];
    for(const suite of SUITES) {
      lines.push(await signCredential(withIssuer(INLINE_OB3, did), {suite, key, created: CREATED}));
    }
    const jsonl = docs => docs.map(d => JSON.stringify(d)).join('\n') + '\n';
    const ok = runLer(LER.bin, ['verify', '-'], {input: jsonl(lines)});
    assert.equal(ok.status, 0, describeRun(ok));
    const r = runLer(LER.bin, ['verify', '-'], {input: jsonl([...lines, tampered(lines[0], 'property added')])});
    assert.equal(r.status, 1, describeRun(r));
  });

  it('ler verify --json on several files; exit 2 on a missing file', {skip: skipLer}, async () => {
    const {key, did} = await lerKey();
    const doc = withIssuer(INLINE_OB3, did);
    const a = tmpFile('a.json', await signCredential(doc, {key, created: CREATED}));
    const b = tmpFile('b.json', await signCredential(doc, {suite: 'eddsa-jcs-2022', key, created: CREATED}));
    const ok = runLer(LER.bin, ['verify', '--json', a, b]);
    assert.equal(ok.status, 0, describeRun(ok));
    const missing = runLer(LER.bin, ['verify', path.join(TMP, 'does-not-exist.json')]);
    assert.equal(missing.status, 2, describeRun(missing));
  });

  it('ler verify runs on the W3C vc-di-eddsa vectors without a usage/I-O error', {skip: skipLer}, () => {
    // JS: signature valid, issuer not bound to the did:key (see 'published vectors in JS');
    // ler may report either; only exit >= 2 (or a crash) fails here.
    for(const file of [
      path.join(VECTORS, 'vc-di-eddsa', 'eddsa-rdfc-2022', 'signedDataInt.json'),
      path.join(VECTORS, 'vc-di-eddsa', 'eddsa-jcs-2022', 'signedJCS.json'),
    ]) {
      const r = runLer(LER.bin, ['verify', '--json', file]);
      assert.ok(r.status === 0 || r.status === 1, describeRun(r));
    }
  });
});
