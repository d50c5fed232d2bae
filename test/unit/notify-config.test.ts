// The notifications block of a release file: defaults, per-label thresholds, and one clear error per bad field.
import { describe, expect, it } from 'vitest';
import { parseReleaseConfig } from '../../domain/config.js';
import { isPromoterError } from '../../domain/errors.js';
import { heldLongAfter, NOTIFY_EVENTS, staleAfter, webhooksFor } from '../../domain/notify.js';

const FILE = 'config/master.yaml';
const file = (notifications: string) => `release: master
distro_name: centos
distro_version: 9
api_url: https://trunk.example.org/api-centos9-master-uc
promotions:
  current-tripleo:
    candidate_label: tripleo-ci-testing
    criteria: [job-a]
  current-tripleo-rdo:
    candidate_label: current-tripleo
    criteria: [job-b]
notifications:
${notifications.replace(/^/gm, '  ')}
`;

function problems(yaml: string): string {
  try {
    parseReleaseConfig(yaml, FILE);
  } catch (err) {
    if (isPromoterError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('notifications in the release file', () => {
  it('defaults: every event, every label, stale after 7 days, held long after 24 h', () => {
    const cfg = parseReleaseConfig(
      file('webhooks:\n  - url: https://hooks.example.org/rdo\n    secret_env: RDO_HOOK_SECRET'),
      FILE,
    );
    const n = cfg.notifications!;
    expect(n.webhooks).toEqual([
      {
        name: 'hooks.example.org',
        url: 'https://hooks.example.org/rdo',
        secretEnv: 'RDO_HOOK_SECRET',
        events: [...NOTIFY_EVENTS],
      },
    ]);
    expect(staleAfter(n, 'current-tripleo')).toBe(7 * 86400);
    expect(heldLongAfter(n, 'current-tripleo-rdo')).toBe(86400);
  });

  it('per label: thresholds, webhook events and labels route each event', () => {
    const cfg = parseReleaseConfig(
      file(`stale_after: 5d
held_long_after: 6h
labels:
  current-tripleo-rdo: { stale_after: 14d }
webhooks:
  - name: chat
    url: https://chat.example.org/hook
    secret_env: CHAT_SECRET
    events: [stale, promoted]
    labels: [current-tripleo-rdo]
  - name: ops
    url: https://ops.example.org/hook
    secret_env: OPS_SECRET
    events: [failed, held-long]`),
      FILE,
    );
    const n = cfg.notifications!;
    expect(staleAfter(n, 'current-tripleo-rdo')).toBe(14 * 86400);
    expect(staleAfter(n, 'current-tripleo')).toBeNull(); // no webhook takes stale events of current-tripleo
    expect(heldLongAfter(n, 'current-tripleo')).toBe(6 * 3600);
    expect(webhooksFor(n, 'promoted', 'current-tripleo').map((w) => w.name)).toEqual([]);
    expect(webhooksFor(n, 'promoted', 'current-tripleo-rdo').map((w) => w.name)).toEqual(['chat']);
    expect(webhooksFor(n, 'failed', 'current-tripleo').map((w) => w.name)).toEqual(['ops']);
  });

  it.each([
    [
      'an unknown event',
      'webhooks:\n  - url: https://h.example.org/\n    secret_env: S_SECRET\n    events: [promted]',
      'notifications.webhooks[0].events[0]: expected a non-empty list of events: promoted, failed, held-long, stale, approval-needed (got "promted")',
    ],
    [
      'a label that is no target',
      'webhooks:\n  - url: https://h.example.org/\n    secret_env: S_SECRET\n    labels: [current-tripleo-rd]',
      'notifications.webhooks[0].labels[0]: expected a target label of promotions: current-tripleo, current-tripleo-rdo (got "current-tripleo-rd")',
    ],
    [
      'a threshold of an unknown label',
      'webhooks: []\nlabels:\n  nope: { stale_after: 1d }',
      'notifications.labels.nope: expected a target label of promotions',
    ],
    ['a bad duration', 'webhooks: []\nstale_after: 7 days', 'notifications.stale_after: expected a duration like'],
    [
      'a zero threshold',
      'webhooks: []\nheld_long_after: 0s',
      'notifications.held_long_after: expected a duration longer than 0s',
    ],
    [
      'a URL with a password',
      'webhooks:\n  - url: https://u:pw@h.example.org/\n    secret_env: S_SECRET',
      'notifications.webhooks[0].url: expected a URL without user:password@',
    ],
    [
      'a pasted secret',
      'webhooks:\n  - url: https://h.example.org/\n    secret_env: "s3cr3t!x"',
      'notifications.webhooks[0].secret_env: expected the name of an environment variable',
    ],
    [
      'a literal secret',
      'webhooks:\n  - url: https://h.example.org/\n    secret_env: S_SECRET\n    secret: hunter2',
      'notifications.webhooks[0].secret: expected secret_env naming an environment variable',
    ],
    [
      'a typo in a key',
      'webhook: []',
      'notifications.webhook: expected one of the keys webhooks, stale_after, held_long_after, labels',
    ],
  ])('refuses %s, naming the file and field', (_what, yaml, message) => {
    const text = problems(file(yaml));
    expect(text).toContain(`${FILE}: ${message}`);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain(':pw@');
  });
});
