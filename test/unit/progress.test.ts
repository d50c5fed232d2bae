// The CLI's container progress line: rendering, parsing the activity's heartbeat details, and that nothing at all
// is written (or read) off a TTY or with --json, so piped and machine-readable output stay as they were.
import { describe, expect, it, vi } from 'vitest';
import { type ContainerProgress, progressFromDetails, progressLine, renderProgress } from '../../client/progress.js';

const P: ContainerProgress = { label: 'current-tripleo', done: 37, total: 150, bytes: 412.3 * 2 ** 20 };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 100, write: (s: string) => (writes.push(s), true) };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe('renderProgress', () => {
  it.each([
    [[P], 'containers current-tripleo: 37/150 images, 412.3 MiB'],
    [[{ ...P, done: 150, bytes: 3.5 * 2 ** 30 }], 'containers current-tripleo: 150/150 images, 3.50 GiB'],
    [
      [
        { ...P, bytes: 2048 },
        { ...P, label: 'tripleo-ci-testing', done: 0 },
      ],
      'containers current-tripleo: 37/150 images, 2 KiB · tripleo-ci-testing: 0/150 images, 412.3 MiB',
    ],
  ])('%j', (all, line) => expect(renderProgress(all, 200)).toBe(line));

  it('cuts the line to the terminal width', () => {
    const line = renderProgress([P, P, P], 40);
    expect(line).toHaveLength(39);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('progressFromDetails', () => {
  it('reads what promoteContainerImages heartbeats; details without a total (an older worker) give none', () => {
    const details = {
      fullHash: 'h',
      label: 'current-tripleo',
      done: ['a', 'b'],
      digests: {},
      previous: {},
      unknown: {},
    };
    expect(progressFromDetails({ ...details, total: 5, bytes: 10 })).toEqual({
      label: 'current-tripleo',
      done: 2,
      total: 5,
      bytes: 10,
    });
    expect(progressFromDetails(details)).toBeNull();
    expect(progressFromDetails({ checked: 3, of: 9 })).toBeNull();
  });
});

describe('progressLine', () => {
  it.each([
    ['not a TTY', false, false],
    ['--json on a TTY', true, true],
  ])('%s: writes nothing and asks nothing', async (_, isTTY, quiet) => {
    const { stream, writes } = fakeStream(isTTY);
    const read = vi.fn(async () => [P]);
    const stop = progressLine({ stream, quiet, read, everyMs: 5 });
    await wait(40);
    stop();
    expect(read).not.toHaveBeenCalled();
    expect(writes).toEqual([]);
  });

  it('on a TTY: one line redrawn in place while pushes run, erased at the end', async () => {
    const { stream, writes } = fakeStream(true);
    let done = 0;
    const stop = progressLine({ stream, read: async () => [{ ...P, done: ++done }], everyMs: 5 });
    await wait(40);
    stop();
    expect(writes.length).toBeGreaterThan(2);
    expect(writes[0]).toBe('\rcontainers current-tripleo: 1/150 images, 412.3 MiB\x1b[K');
    expect(writes.slice(0, -1).every((w) => w.startsWith('\r') && !w.includes('\n'))).toBe(true);
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('on a TTY with nothing pushing yet: no line, nothing to erase', async () => {
    const { stream, writes } = fakeStream(true);
    const stop = progressLine({ stream, read: async () => [], everyMs: 5 });
    await wait(30);
    stop();
    expect(writes).toEqual([]);
  });
});
