import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What an integrator gets: `pnpm pack` (which builds through `prepack`), `npm install` of the
// tarball in an empty folder outside the workspace, `tsc` on consumer files under three module
// resolutions, and the package imported at run time from ESM and from CommonJS.

const run = promisify(execFile);
const sdkDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(sdkDir, 'node_modules', 'typescript', 'bin', 'tsc');

/** pnpm: the one running this script when there is one, else pnpm 10 through npx. */
function pnpm(args: string[]) {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(basename(execPath)))
    return run(process.execPath, [execPath, ...args], { cwd: sdkDir });
  return run('npx', ['-y', 'pnpm@10', ...args], { cwd: sdkDir });
}

let dir: string;
let tarball: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mujiang-sdk-pack-'));
  await pnpm(['pack', '--pack-destination', dir]);
  const found = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!found) throw new Error(`pnpm pack left no tarball in ${dir}`);
  tarball = join(dir, found);
  const consumer = join(dir, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefer-offline',
      '--loglevel=error',
      tarball,
    ],
    { cwd: consumer },
  );
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the build, the types and the OpenAPI document, and nothing else', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    // Shared type chunks carry a content hash in their name.
    const files = stdout
      .trim()
      .split('\n')
      .map((f) => f.replace(/-[A-Za-z0-9_-]{8}\.d\.(c?ts)$/, '-<hash>.d.$1'))
      .sort();
    expect(files).toEqual([
      'package/README.md',
      'package/dist/api-<hash>.d.cts',
      'package/dist/api-<hash>.d.ts',
      'package/dist/index.cjs',
      'package/dist/index.cjs.map',
      'package/dist/index.d.cts',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/dist/index.js.map',
      'package/dist/webhooks.cjs',
      'package/dist/webhooks.cjs.map',
      'package/dist/webhooks.d.cts',
      'package/dist/webhooks.d.ts',
      'package/dist/webhooks.js',
      'package/dist/webhooks.js.map',
      'package/openapi.json',
      'package/package.json',
    ]);
    const installed = join(dir, 'consumer', 'node_modules', '@mujiang', 'sdk');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(JSON.stringify(pkg)).not.toContain('workspace:');
    // Browser and edge safe: the only import is openapi-fetch; no Node built-ins.
    for (const file of ['index.js', 'index.cjs', 'webhooks.js', 'webhooks.cjs']) {
      const code = readFileSync(join(installed, 'dist', file), 'utf8');
      const specifiers = [...code.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(new Set(specifiers), file).toEqual(new Set(file.startsWith('index') ? ['openapi-fetch'] : []));
      expect(code).not.toMatch(/\b(process|Buffer|__dirname)\b/);
    }
  });

  it('type-checks in a consumer (nodenext ESM and CJS, bundler)', async () => {
    const consumer = join(dir, 'consumer');
    const usage = `
  const client = new Mujiang({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'sk_test', maxRetries: 1 });
  async function main(): Promise<string> {
    const store: Store = await client.stores.create({ kind: 'brand', name: 'x' }, { idempotencyKey: 'k' });
    const { data, response } = await client.stores.retrieve(store.id).withResponse();
    const requestId: string | undefined = response.requestId;
    for await (const s of client.stores.list({ limit: 100 })) s.kind satisfies 'brand' | 'white_label' | 'shopkeeper';
    const raw = await client.GET('/v1/stores/{id}', { params: { path: { id: data.id } } });
    const tenant: Tenant = await client.tenant.retrieve();
    try {
      // @ts-expect-error kind must be one of the API's store kinds
      await client.stores.create({ kind: 'mall', name: 'x' });
    } catch (e) {
      if (e instanceof ApiError) return e.code + e.errors.map((f) => f.field).join() + String(e.requestId);
      if (e instanceof TimeoutError) return String(e.timeoutMs);
      if (e instanceof ConnectionError) return String(e.attempts);
    }
    return tenant.id + requestId + String(raw.data?.name);
  }
  void main;
  async function onWebhook(body: string, headers: Record<string, string>): Promise<string> {
    const event = await verifyHook<MujiangEvent>('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body, headers);
    if (event.type === 'binding.created') return event.data.object.promoter_id;
    // @ts-expect-error a customer event carries a customer, which has no promoter_id
    if (event.type === 'customer.created') return event.data.object.promoter_id;
    return event.id;
  }
  void onWebhook;
`;
    writeFileSync(
      join(consumer, 'esm.mts'),
      `import { ApiError, ConnectionError, Mujiang, type Store, type Tenant, TimeoutError } from '@mujiang/sdk';\nimport { type MujiangEvent, verify as verifyHook } from '@mujiang/sdk/webhooks';\n${usage}`,
    );
    writeFileSync(
      join(consumer, 'cjs.cts'),
      `import sdk = require('@mujiang/sdk');\nimport hooks = require('@mujiang/sdk/webhooks');\nconst { ApiError, ConnectionError, Mujiang, TimeoutError } = sdk;\nconst verifyHook = hooks.verify;\ntype Store = sdk.Store;\ntype Tenant = sdk.Tenant;\ntype MujiangEvent = hooks.MujiangEvent;\n${usage}`,
    );
    writeFileSync(
      join(consumer, 'bundler.ts'),
      `import { ApiError, ConnectionError, Mujiang, type Store, type Tenant, TimeoutError } from '@mujiang/sdk';\nimport { type MujiangEvent, verify as verifyHook } from '@mujiang/sdk/webhooks';\n${usage}\nexport {};\n`,
    );
    const base = {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [],
      skipLibCheck: false,
    };
    const configs = {
      'tsconfig.node.json': {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        files: ['esm.mts', 'cjs.cts'],
      },
      'tsconfig.bundler.json': { module: 'ESNext', moduleResolution: 'Bundler', files: ['bundler.ts'] },
    };
    const results = await Promise.all(
      Object.entries(configs).map(async ([name, { files, ...options }]) => {
        writeFileSync(
          join(consumer, name),
          JSON.stringify({ compilerOptions: { ...base, ...options }, files }),
        );
        return run(process.execPath, [tsc, '-p', name], { cwd: consumer }).then(
          (r) => ({ name, code: 0, output: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            name,
            code: e.code,
            output: e.stdout + e.stderr,
          }),
        );
      }),
    );
    for (const result of results) expect(result).toEqual({ name: result.name, code: 0, output: '' });
    // Two full type-checks of the generated API types (no skipLibCheck): slow on a busy machine.
  }, 180_000);

  it('runs from ESM and from CommonJS', async () => {
    const consumer = join(dir, 'consumer');
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_pack' });
      res.end(
        JSON.stringify({ id: req.url?.split('/').pop(), object: 'store', auth: req.headers.authorization }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const body = (load: string) => `${load}
const client = new Mujiang({ baseUrl: 'http://127.0.0.1:${port}', apiKey: 'sk_pack' });
client.stores.retrieve('store_42').withResponse().then(({ data, response }) => {
  console.log(JSON.stringify({ id: data.id, auth: data.auth, requestId: response.requestId, isError: new ApiError({ status: 400, problem: { type: 't', title: 't', status: 400, code: 'c', detail: 'd' }, headers: new Headers() }) instanceof Error }));
});
`;
      writeFileSync(join(consumer, 'run.mjs'), body(`import { ApiError, Mujiang } from '@mujiang/sdk';`));
      writeFileSync(
        join(consumer, 'run.cjs'),
        body(`const { ApiError, Mujiang } = require('@mujiang/sdk');`),
      );
      for (const file of ['run.mjs', 'run.cjs']) {
        const { stdout } = await run(process.execPath, [file], { cwd: consumer });
        expect(JSON.parse(stdout), file).toEqual({
          id: 'store_42',
          auth: 'Bearer sk_pack',
          requestId: 'req_pack',
          isError: true,
        });
      }
    } finally {
      server.close();
    }
  });
});
