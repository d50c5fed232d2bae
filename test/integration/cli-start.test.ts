// The built `promoter` executable at start-up, as a CI job runs it: report-result sends its vote before it loads
// anything of Temporal, loads the Temporal client while DLRN answers (only when a stage needs evaluating), and a
// broken release file is still refused before any POST. A local HTTP server stands for DLRN; a preload (`node -r`)
// reports which modules the process had loaded when the POST started and when DLRN's answer came.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { ensureBuild } from '../helpers/build.js';

const JOB = 'periodic-job-a';
const PRELOAD = `const fs = require('fs');
const temporal = () => Object.keys(require.cache).filter((f) => f.includes('/@temporalio/')).length;
const seen = {};
const dc = require('diagnostics_channel');
dc.subscribe('http.client.request.start', () => { seen.atPost ??= temporal(); });
dc.subscribe('http.client.response.finish', () => { seen.atAnswer ??= temporal(); });
process.on('exit', () => fs.writeFileSync(process.env.SEEN_FILE, JSON.stringify({ ...seen, atExit: temporal() })));
`;

let dir: string;
let server: Server;
let posts = 0;
/** How long the fake DLRN takes to answer a vote: real DLRN hashes the password first. */
const ANSWER_MS = 1500;

beforeAll(async () => {
  ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'cli-start-'));
  writeFileSync(join(dir, 'seen.cjs'), PRELOAD);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      posts++;
      const vote = JSON.parse(body) as Record<string, unknown>;
      setTimeout(() => {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        const row = { extended_hash: null, aggregate_hash: null, component: null, notes: null, user: 'ciuser' };
        res.end(JSON.stringify({ ...row, ...vote, success: vote.success === 'true', in_progress: false }));
      }, ANSWER_MS);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    join(dir, 'release.yaml'),
    `release: start\ndistro_name: centos\ndistro_version: 9\napi_url: http://127.0.0.1:${port}\n` +
      `promotions:\n  current-tripleo: { candidate_label: tripleo-ci-testing, criteria: [${JOB}] }\n`,
  );
  writeFileSync(join(dir, 'broken.yaml'), `release: start\napi_url: http://127.0.0.1:${port}\npromotions: []\n`);
});
afterAll(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  atPost?: number;
  atAnswer?: number;
  atExit: number;
}

/** Runs bin/promoter.js report-result; Temporal is an address nothing listens on (the evaluation fails, exit 1). */
function reportResult(config: string, success: boolean) {
  const args = ['-r', join(dir, 'seen.cjs'), join(ROOT, 'bin', 'promoter.js'), 'report-result', '-c', config];
  args.push('--job-id', JOB, '--commit-hash', 'a'.repeat(40), '--distro-hash', 'b'.repeat(40));
  args.push('--info-url', 'https://ci.example.org/1', '--timestamp', '1767225600', '--success', String(success));
  const env = { PATH: process.env.PATH, DLRNAPI_USERNAME: 'ciuser', DLRNAPI_PASSWORD: 'not-a-secret' };
  const child = spawn(process.execPath, args, {
    env: { ...env, SEEN_FILE: join(dir, 'seen.json'), TEMPORAL_ADDRESS: '127.0.0.1:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stderr: string; seen: Seen }>((resolve) =>
    child.on('close', (code) =>
      resolve({ code, stderr, seen: JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as Seen }),
    ),
  );
}

describe('report-result start-up (the built CLI)', () => {
  it('a passing criteria vote: POST before any Temporal module, the Temporal client loaded by the time DLRN answers', async () => {
    const before = posts;
    const r = await reportResult(join(dir, 'release.yaml'), true);
    expect(posts - before, r.stderr).toBe(1);
    expect(r.seen.atPost, 'Temporal modules loaded before the vote POST').toBe(0);
    expect(r.seen.atAnswer, 'the Temporal client was not loaded while DLRN answered').toBeGreaterThan(0);
    // the evaluation itself fails, for the one reason that nothing listens at TEMPORAL_ADDRESS
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'the vote is recorded in DLRN, but the release controller was not told (Failed to connect',
    );
  });

  it('a failing vote needs no evaluation: Temporal is never loaded', async () => {
    const r = await reportResult(join(dir, 'release.yaml'), false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.seen).toEqual({ atPost: 0, atAnswer: 0, atExit: 0 });
  });

  it('a broken release file is refused with its error before any POST', async () => {
    const before = posts;
    const r = await reportResult(join(dir, 'broken.yaml'), true);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml.*distro_name/s);
    expect(posts).toBe(before);
  });
});
