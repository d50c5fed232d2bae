// The board's HTTP surface over injected data: the documented JSON API, pages, read-only, bad parameters refused
// with one clear message, and every value HTML-escaped (a hold reason is operator text).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoardServer, listen } from '../../board/server.js';
import type { LabelPage, ReleaseView } from '../../board/types.js';
import { fakeSource, NOW } from '../helpers/board-data.js';

const source = fakeSource(4);
// release-03 holds current-tripleo-rdo; give the hold a reason that is markup.
const evil = '<script>alert(1)</script> & "quotes"';
const releases = source.releases;
source.releases = async () => {
  const all = await releases();
  return all.map((r) => ({
    ...r,
    labels: r.labels.map((l) => ({ ...l, holds: l.holds.map((h) => ({ ...h, why: evil })) })),
  }));
};
const server = createBoardServer(source, () => NOW);
let base: string;

beforeAll(async () => {
  base = await listen(server, 0);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(base + path, init);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('board server', () => {
  it('GET /api/v1/releases: every release with its labels, verdicts and links', async () => {
    const r = await get('/api/v1/releases');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/application\/json/);
    const { releases: list } = JSON.parse(r.body) as { releases: ReleaseView[] };
    expect(list.map((x) => x.release)).toEqual(['release-00', 'release-01', 'release-02', 'release-03']);
    const label = list[1]!.labels[0]!;
    expect(label).toMatchObject({
      label: 'current-tripleo',
      verdict: { kind: expect.any(String), headline: expect.any(String) },
      links: { page: '/releases/release-01/centos9/labels/current-tripleo' },
    });
  });

  it('a label, its latest hash, one release; unknown ones are 404 with the name', async () => {
    const page = JSON.parse(
      (await get('/api/v1/releases/release-01/centos9/labels/current-tripleo')).body,
    ) as LabelPage;
    expect(page.history).toHaveLength(20);
    const latest = JSON.parse((await get('/api/v1/releases/release-01/centos9/labels/current-tripleo/latest')).body);
    expect(latest).toEqual({
      release: 'release-01',
      distro: 'centos9',
      label: 'current-tripleo',
      fullHash: page.view.current.fullHash,
      since: page.view.current.since,
    });
    expect((await get('/api/v1/releases/release-01/centos9')).status).toBe(200);
    const missing = await get('/api/v1/releases/release-01/centos9/labels/nope');
    expect([missing.status, JSON.parse(missing.body)]).toEqual([
      404,
      { error: 'label release-01/centos9/nope not found' },
    ]);
    expect((await get('/releases/zzz/centos9/labels/current-tripleo')).status).toBe(404);
  });

  it('changes needs two hashes and names the bad parameter', async () => {
    const bad = await get('/api/v1/releases/release-01/centos9/changes?from=abc&to=' + 'a'.repeat(32));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/query parameter from: expected a full_hash, got "abc"/);
    const ok = await get(`/api/v1/releases/release-01/centos9/changes?from=${'a'.repeat(32)}&to=${'b'.repeat(32)}`);
    expect(JSON.parse(ok.body)).toMatchObject({ unchanged: ['compute'], changed: [] });
  });

  it('is read-only: POST, PUT and DELETE are 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await get('/api/v1/releases', { method })).status).toBe(405);
    }
  });

  it('pages escape operator text and link every label page and workflow', async () => {
    const r = await get('/');
    expect(r.type).toMatch(/text\/html/);
    expect(r.body).not.toContain('<script>');
    expect(r.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(r.body).toContain('href="/releases/release-03/centos9/labels/current-tripleo-rdo"');
    expect(r.body).toContain(
      'href="http://temporal.example/namespaces/default/workflows/release%2Frelease-00%2Fcentos9"',
    );
    expect((await get('/board.css')).type).toMatch(/text\/css/);
  });
});
