// The generated CloudFront Function, run in a bare `vm` context (no require, no timers: like the
// edge runtime) against the same case table pytest uses. Run: node --test guestpages/tests/
// The function text comes from `python -m guestpages.cloudfront TEMPLATE` ($PYTHON, default the
// project's .venv), so this test checks exactly what `manage.py cloudfront_function` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const python = process.env.PYTHON || join(root, '.venv', 'bin', 'python');
const table = JSON.parse(readFileSync(join(here, 'cloudfront_cases.json'), 'utf8'));

function loadHandler(template) {
  const source = execFileSync(python, ['-m', 'guestpages.cloudfront', template, 'test'], { cwd: root, encoding: 'utf8' });
  assert.ok(source.length < 10240, 'CloudFront Functions are limited to 10 KB');
  assert.match(source, /^function handler\(event\) \{$/m);
  const context = vm.createContext({});
  vm.runInContext(source, context, { filename: `cff(${template}).js` });
  return context.handler;
}

function viewerRequest(uri) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: { method: 'GET', uri, querystring: {}, headers: { host: { value: 'example.com' } }, cookies: {} },
  };
}

for (const { template, cases } of table.templates) {
  const handler = loadHandler(template);
  for (const { uri, expect } of cases) {
    test(`${template}: ${JSON.stringify(uri)} -> ${expect}`, () => {
      const result = handler(viewerRequest(uri));
      if (expect === 404) {
        assert.equal(result.statusCode, 404, `expected a 404 response, got ${JSON.stringify(result)}`);
        assert.equal(result.uri, undefined);
      } else {
        assert.equal(result.statusCode, undefined, `expected the request, got ${JSON.stringify(result)}`);
        assert.equal(result.uri, expect);
        assert.equal(result.method, 'GET');
        assert.deepEqual(result.headers, { host: { value: 'example.com' } });
      }
    });
  }
}

test('the table has cases of every kind', () => {
  const all = table.templates.flatMap((t) => t.cases);
  assert.ok(all.some((c) => c.expect === 404));
  assert.ok(all.some((c) => c.expect === c.uri));
  assert.ok(all.some((c) => typeof c.expect === 'string' && c.expect !== c.uri));
});
