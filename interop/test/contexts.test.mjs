// The contexts ler embeds (crates/ler-jsonld/contexts) are the npm packages' contexts, unchanged.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';

const require = createRequire(import.meta.url);
const dir = new URL('../../crates/ler-jsonld/contexts/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('npm-contexts.json', dir), 'utf8'));

describe('embedded contexts equal their npm packages', () => {
  for (const {url, file, source} of index) {
    it(`${url} (${source})`, () => {
      const pkg = source.replace(/^npm /, '').replace(/@[^@]+$/, '');
      const version = source.slice(source.lastIndexOf('@') + 1);
      const installed = JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url))).version;
      assert.equal(installed, version, `installed ${pkg} is ${installed}, the embedded copy came from ${version}`);
      const {contexts} = require(pkg);
      const embedded = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
      assert.deepEqual(embedded, contexts.get(url));
    });
  }
});
