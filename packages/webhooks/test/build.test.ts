import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'mujiang-webhooks-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the published build (tsup: ESM, CJS, d.ts)', () => {
  it('builds, loads as ESM and as CommonJS, and keeps Node modules out of the main entry', async () => {
    execFileSync('npx', ['tsup', '--out-dir', out, '--no-sourcemap'], {
      cwd: join(__dirname, '..'),
      stdio: 'pipe',
    });
    for (const file of [
      'index.js',
      'index.cjs',
      'index.d.ts',
      'index.d.cts',
      'node.js',
      'node.cjs',
      'node.d.ts',
    ]) {
      expect(readFileSync(join(out, file), 'utf8').length, file).toBeGreaterThan(0);
    }
    for (const file of ['index.js', 'index.cjs']) {
      expect(readFileSync(join(out, file), 'utf8'), file).not.toMatch(
        /node:|require\("crypto"\)|from "crypto"/,
      );
    }
    const esm = await import(pathToFileURL(join(out, 'index.js')).href);
    const cjs = createRequire(__filename)(join(out, 'index.cjs'));
    const cjsNode = createRequire(__filename)(join(out, 'node.cjs'));
    const secret = esm.generateSecret();
    const input = { id: 'msg_build', timestamp: new Date(), payload: '{"ok":true}' };
    const signature = await esm.sign(secret, input);
    expect(await cjs.sign(secret, input)).toBe(signature);
    expect(cjsNode.signSync(secret, input)).toBe(signature);
    const headers = await new cjs.Webhook(secret).headers(input);
    expect(await esm.verify(secret, input.payload, headers)).toEqual({ ok: true });
  });
});
