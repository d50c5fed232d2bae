// The worker's log lines and telemetry settings: one JSON object per line with the ids a workflow ID carries, no
// secret whatever a caller logs, and one clear error naming the variable for a bad address or level.
import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { formatJson, MASK, promoterLogger } from '../../worker/log-format.js';
import { runtimeOptions, telemetrySettings } from '../../worker/telemetry.js';

const entry = (message: string, meta: Record<string, unknown> = {}): LogEntry => ({
  level: 'INFO',
  message,
  meta,
  timestampNanos: BigInt(Date.parse('2026-12-02T01:00:00.123Z')) * 1_000_000n,
});

describe('formatJson', () => {
  it('one line: time, level, msg, the ids from the workflow ID, then the fields', () => {
    const line = formatJson(
      entry('step dlrn done', { workflowId: 'promotion/master/centos9/current-tripleo/abc_def', step: 'dlrn' }),
    );
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: '2026-12-02T01:00:00.123Z',
      level: 'info',
      msg: 'step dlrn done',
      release: 'master',
      distro: 'centos9',
      label: 'current-tripleo',
      full_hash: 'abc_def',
      workflowId: 'promotion/master/centos9/current-tripleo/abc_def',
      step: 'dlrn',
    });
  });

  it('masks secret-sounding keys at any depth and the password of any URL, keeps the rest', () => {
    const line = formatJson(
      entry('Activity failed', {
        password: 'hunter2-dlrn',
        headers: { Authorization: 'Bearer tok-123456', accept: 'json' },
        registry: { passwordEnv: 'TARGET_REGISTRY_PASSWORD', username: 'promoter' },
        attempts: [{ apiToken: 'tok-abcdef' }],
        error: Object.assign(new Error('GET https://promoter:s3cr3t-pw@dlrn.example/api failed'), {
          cause: new Error('401 from http://u:p4ss-word@registry.example/v2/'),
        }),
        sftp_private_key: '-----BEGIN OPENSSH PRIVATE KEY-----',
        empty: '',
      }),
    );
    for (const secret of ['hunter2-dlrn', 'tok-123456', 'tok-abcdef', 's3cr3t-pw', 'p4ss-word', 'BEGIN OPENSSH']) {
      expect(line).not.toContain(secret);
    }
    const o = JSON.parse(line) as {
      password: string;
      headers: unknown;
      registry: { username: string };
      error: { message: string; cause: { message: string } };
    };
    expect(o.password).toBe(MASK);
    expect(o.headers).toEqual({ Authorization: MASK, accept: 'json' });
    expect(o.registry.username).toBe('promoter');
    expect(o.error.message).toBe(`GET https://promoter:${MASK}@dlrn.example/api failed`);
    expect(o.error.cause.message).toBe(`401 from http://u:${MASK}@registry.example/v2/`);
  });

  it('the logger writes one JSON line per entry at or above its level', () => {
    const out: string[] = [];
    const logger = promoterLogger('INFO', (s) => out.push(s));
    logger.debug('not this one');
    logger.info('decision', {
      workflowId: 'stage/wallaby/centos9/current-tripleo',
      candidates: [{ status: 'selected' }],
    });
    logger.warn('step dlrn failed', { workflowId: 'tick/x' });
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.endsWith('}\n'))).toBe(true);
    expect(JSON.parse(out[0]!)).toMatchObject({
      level: 'info',
      label: 'current-tripleo',
      candidates: [{ status: 'selected' }],
    });
    expect(JSON.parse(out[1]!)).toMatchObject({ level: 'warn', workflowId: 'tick/x' });
  });
});

describe('telemetrySettings', () => {
  it('metrics off unless PROMOTER_METRICS_ADDRESS is set; INFO by default', () => {
    expect(telemetrySettings({})).toEqual({ metricsAddress: null, logLevel: 'INFO' });
    expect(telemetrySettings({ PROMOTER_METRICS_ADDRESS: '0.0.0.0:9464', PROMOTER_LOG_LEVEL: 'debug' })).toEqual({
      metricsAddress: '0.0.0.0:9464',
      logLevel: 'DEBUG',
    });
    expect(telemetrySettings({ PROMOTER_METRICS_ADDRESS: '[::]:9464' }).metricsAddress).toBe('[::]:9464');
  });

  it.each([
    [{ PROMOTER_METRICS_ADDRESS: '9464' }, /PROMOTER_METRICS_ADDRESS="9464": expected host:port/],
    [{ PROMOTER_METRICS_ADDRESS: 'localhost:99999' }, /PROMOTER_METRICS_ADDRESS="localhost:99999"/],
    [{ PROMOTER_METRICS_ADDRESS: 'http://x:1/metrics' }, /PROMOTER_METRICS_ADDRESS/],
    [{ PROMOTER_LOG_LEVEL: 'verbose' }, /PROMOTER_LOG_LEVEL="verbose": expected TRACE \| DEBUG/],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => telemetrySettings(env)).toThrow(message);
  });

  it('the Prometheus endpoint counts in _total and times in seconds', () => {
    const o = runtimeOptions({ metricsAddress: '127.0.0.1:9464', logLevel: 'INFO' });
    expect(o.telemetryOptions?.metrics).toMatchObject({
      metricPrefix: 'temporal_',
      prometheus: { bindAddress: '127.0.0.1:9464', countersTotalSuffix: true, useSecondsForDurations: true },
    });
    expect(runtimeOptions({ metricsAddress: null, logLevel: 'INFO' }).telemetryOptions?.metrics).toBeUndefined();
  });
});
