// DlrnClient's transport against a tiny local HTTP server (127.0.0.1, port 0): what goes on the wire (query strings,
// exact Content-Type, Basic auth, booleans as DLRN 0.26.1 parses them), malformed answers, outages, credentials.
// The real DLRN's answers to the same requests are in dlrn-client.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSecret, requireSecret } from '../../integrations/credentials.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { ErrorCode } from '../../domain/errors.js';
import { dlrnErrorExpecter, failure } from '../helpers/dlrn-client.js';

const USER = 'ciuser';
const PASSWORD = 'tr4nsp0rt-Secret-Value';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const expectDlrnError = dlrnErrorExpecter(USER, PASSWORD);
const opened: DlrnClient[] = [];
const track = (c: DlrnClient) => (opened.push(c), c);
const dir = mkdtempSync(join(tmpdir(), 'dlrn-transport-'));
afterAll(() => {
  opened.forEach((c) => c.close());
  rmSync(dir, { recursive: true, force: true });
});

type Reply = { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'reset';
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
interface Server {
  url: string;
  seen: Seen[];
  client(timeoutMs?: number, retries?: number): DlrnClient;
}

/** Runs `fn` with a local server answering `reply` and recording the requests it saw, then stops the server. */
async function withServer(reply: (req: IncomingMessage) => Reply, fn: (srv: Server) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const r = reply(req);
      if (r === 'hang') hanging.push(res);
      else if (r === 'reset') res.destroy();
      else res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers }).end(r.body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Retries wait 1-10 ms here; `retries: 0` where a test counts single requests.
  const client = (timeoutMs?: number, retries = 0) =>
    track(
      new DlrnClient({
        baseUrl: url,
        username: USER,
        password: PASSWORD,
        timeoutMs,
        retry: { retries, baseMs: 1, maxMs: 10 },
      }),
    );
  try {
    await fn({ url, seen, client });
  } finally {
    hanging.forEach((r) => r.destroy());
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

const ok = (body: unknown, status = 200): Reply => ({ status, body: JSON.stringify(body) });
const row = {
  timestamp: 1,
  commit_hash: 'c',
  distro_hash: 'd',
  extended_hash: null,
  aggregate_hash: null,
  repo_hash: 'c_d',
  repo_url: 'http://r',
  promote_name: 'x',
  component: null,
  user: null,
};
const tested = { ...row, job_id: 'j', success: false, in_progress: true };

describe('what DlrnClient sends', () => {
  it('GET: parameters in the query string, no body, no Content-Type, Basic auth', () =>
    withServer(
      () => ok([]),
      async ({ seen, client }) => {
        await client().repoStatus({ commit_hash: 'c', distro_hash: 'd', extended_hash: 'e_f', success: false });
        await client().promotions();
        const [get, bare] = seen;
        expect(get).toMatchObject({ method: 'GET', body: '' });
        expect(get!.url).toBe('/api/repo_status?commit_hash=c&distro_hash=d&extended_hash=e_f&success=false');
        expect(get!.headers['content-type']).toBeUndefined();
        expect(get!.headers.authorization).toBe(BASIC);
        expect(bare!.url).toBe('/api/promotions');
      },
    ));

  it('POST: Content-Type exactly application/json, booleans as "true"/"false", no null members', () =>
    withServer(
      (req) => (req.url === '/api/last_tested_repo' ? ok(tested, 201) : ok(row, 201)),
      async ({ seen, client }) => {
        const dlrn = client();
        await dlrn.lastTestedRepoUse({
          max_age: 0,
          reporting_job_id: 'r',
          sequential_mode: true,
          previous_job_id: 'p',
        });
        await dlrn.promoteBatch([{ commit_hash: 'c', distro_hash: 'd', extended_hash: null, promote_name: 'x' }]);
        // The answer is no vote, so the call fails; only the request matters here.
        await failure(dlrn.reportResult({ aggregate_hash: 'a', job_id: 'j', url: 'u', timestamp: 5, success: true }));
        for (const s of seen) {
          expect([s.method, s.headers['content-type'], s.headers.authorization]).toEqual([
            'POST',
            'application/json',
            BASIC,
          ]);
        }
        expect(seen.map((s) => JSON.parse(s.body))).toEqual([
          { max_age: 0, reporting_job_id: 'r', sequential_mode: 'true', previous_job_id: 'p' },
          [{ commit_hash: 'c', distro_hash: 'd', promote_name: 'x' }],
          { aggregate_hash: 'a', job_id: 'j', url: 'u', timestamp: 5, success: 'true' },
        ]);
      },
    ));

  it('refuses requests DLRN would answer with a 500 or a silent cap, sending nothing', () =>
    withServer(
      () => ok([]),
      async ({ seen, client }) => {
        const dlrn = client();
        const bad = [
          () => dlrn.promoteBatch([]),
          () => dlrn.promotions({ limit: 101 }),
          () => dlrn.lastTestedRepo({ max_age: -1 }),
          () => dlrn.reportResult({ job_id: 'j', url: 'u', timestamp: 1, success: true } as never),
        ];
        for (const call of bad) expect((await failure(call)).code).toBe(ErrorCode.Usage);
        expect(seen).toEqual([]);
      },
    ));
});

describe('how DlrnClient classifies answers', () => {
  it.each<[string, Reply, ErrorCode, number | null, RegExp]>([
    [
      'a mistyped field',
      ok([{ ...row, commit_hash: 42 }]),
      ErrorCode.DlrnMalformedResponse,
      200,
      /GET http:\/\/127\.0\.0\.1:\d+\/api\/promotions: malformed response: \[0\]\.commit_hash: /,
    ],
    ['a missing field', ok([{ ...row, repo_url: undefined }]), ErrorCode.DlrnMalformedResponse, 200, /\[0\]\.repo_url/],
    [
      'a non-JSON body',
      { status: 200, body: '<html>hi</html>', headers: { 'Content-Type': 'text/html' } },
      ErrorCode.DlrnMalformedResponse,
      200,
      /malformed response: not JSON \(Content-Type text\/html\)/,
    ],
    ['a 503', ok({ message: 'db is locked' }, 503), ErrorCode.DlrnUnavailable, 503, /503 db is locked/],
    ['a 429', ok({ message: 'slow down' }, 429), ErrorCode.DlrnUnavailable, 429, /429 slow down/],
    [
      'a redirect (never followed with credentials)',
      { status: 302, body: '', headers: { Location: 'https://elsewhere/' } },
      ErrorCode.DlrnBadRequest,
      302,
      /unexpected redirect to https:\/\/elsewhere\//,
    ],
  ])('%s', (_name, reply, code, status, message) =>
    withServer(
      () => reply,
      async ({ seen, client }) => {
        const err = await expectDlrnError(client().promotions(), code, status, message);
        expect(err.context).toMatchObject({ method: 'GET', endpoint: '/api/promotions' });
        expect(seen).toHaveLength(1);
      },
    ),
  );

  it('a timeout and a closed port are retryable DlrnUnavailable', async () => {
    let url = '';
    await withServer(
      () => 'hang',
      async (srv) => {
        url = srv.url;
        const err = await expectDlrnError(
          srv.client(200).health(),
          ErrorCode.DlrnUnavailable,
          null,
          /timeout of 200ms/,
        );
        expect(err.retryable).toBe(true);
      },
    );
    const closed = track(new DlrnClient({ baseUrl: url, username: USER, password: PASSWORD }));
    const err = await expectDlrnError(
      closed.health(),
      ErrorCode.DlrnUnavailable,
      null,
      /unreachable: connect ECONNREFUSED/,
    );
    expect(err.context.code).toBe('ECONNREFUSED');
  });
});

describe('retries per request', () => {
  const flaky = (failures: Reply[]) => {
    let n = 0;
    return (): Reply => failures[n++] ?? ok([row]);
  };

  it('retries an idempotent GET on 5xx, 429, resets and timeouts, then answers', () =>
    withServer(
      flaky([ok({ message: 'busy' }, 503), ok({ message: 'slow down' }, 429), 'reset', 'hang', ok({}, 502)]),
      async ({ seen, client }) => {
        expect(await client(200, 5).promotions()).toEqual([row]);
        expect(seen).toHaveLength(6);
      },
    ));

  it('gives up after the bound with the last error and the attempt count', () =>
    withServer(
      () => ok({ message: 'db is locked' }, 503),
      async ({ seen, client }) => {
        const err = await expectDlrnError(client(undefined, 3).health(), ErrorCode.DlrnUnavailable, 503, /503 db is/);
        expect(err.context.attempts).toBe(4);
        expect(seen).toHaveLength(4);
      },
    ));

  it('never retries a refusal or a POST (POSTs are retried only by check-then-act callers)', () =>
    withServer(
      (req) => (req.method === 'POST' ? ok({ message: 'busy' }, 503) : ok({ message: 'not found' }, 400)),
      async ({ seen, client }) => {
        const dlrn = client(undefined, 5);
        await expectDlrnError(
          dlrn.repoStatus({ commit_hash: 'c', distro_hash: 'd' }),
          ErrorCode.DlrnNotFound,
          400,
          /not found/,
        );
        await expectDlrnError(
          dlrn.promote({ commit_hash: 'c', distro_hash: 'd', promote_name: 'x' }),
          ErrorCode.DlrnUnavailable,
          503,
          /busy/,
        );
        expect(seen.map((s) => s.method)).toEqual(['GET', 'POST']);
      },
    ));

  it('an aborted signal stops the request in flight and every retry', () =>
    withServer(
      () => 'hang',
      async ({ seen, client }) => {
        const abort = new AbortController();
        const started = Date.now();
        setTimeout(() => abort.abort(new Error('activity cancelled')), 100);
        const call = client(30_000, 5).withSignal(abort.signal).promotions();
        await expect(call).rejects.toThrow(/activity cancelled/);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(seen).toHaveLength(1);
      },
    ));
});

describe('credentials', () => {
  const file = join(dir, 'password');
  writeFileSync(file, `${PASSWORD}\n`);

  it('readSecret: NAME first, then the trimmed content of NAME_FILE', () => {
    expect(readSecret('X', { X: 'direct', X_FILE: file })).toBe('direct');
    expect(readSecret('X', { X_FILE: file })).toBe(PASSWORD);
    expect(readSecret('X', {})).toBeUndefined();
  });

  it('requireSecret and unreadable files name the variables, never a value', async () => {
    const missing = await failure(() => requireSecret('DLRNAPI_PASSWORD', {}));
    expect([missing.code, missing.message]).toEqual([
      ErrorCode.Config,
      expect.stringContaining('DLRNAPI_PASSWORD_FILE'),
    ]);
    const unreadable = await failure(() => readSecret('X', { X_FILE: join(dir, 'none') }));
    expect(unreadable.message).toMatch(/X_FILE: cannot read .*none \(ENOENT\)/);
  });

  it('DlrnClient.fromEnv reads DLRNAPI_USERNAME and DLRNAPI_PASSWORD_FILE', () =>
    withServer(
      () => ok({ result: 'ok' }),
      async ({ url, seen }) => {
        const dlrn = track(DlrnClient.fromEnv(url, { DLRNAPI_USERNAME: USER, DLRNAPI_PASSWORD_FILE: file }));
        expect(await dlrn.checkAuth()).toEqual({ result: 'ok' });
        expect([seen[0]!.method, seen[0]!.headers.authorization]).toEqual(['POST', BASIC]);
        const half = await failure(() => DlrnClient.fromEnv(url, { DLRNAPI_USERNAME: USER }));
        expect([half.code, half.message]).toEqual([ErrorCode.Config, expect.stringMatching(/DLRNAPI_PASSWORD_FILE/)]);
        expect(track(DlrnClient.fromEnv(url, {})).authenticated).toBe(false);
      },
    ));

  it('refuses credentials in the URL without echoing them', async () => {
    const err = await failure(() => new DlrnClient({ baseUrl: `http://${USER}:${PASSWORD}@127.0.0.1:9/` }));
    expect(err.code).toBe(ErrorCode.Config);
    expect(`${err.message} ${JSON.stringify(err.context)}`).not.toContain(PASSWORD);
  });
});
