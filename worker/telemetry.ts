// The worker's telemetry, from the environment, installed once per process before any connection:
//   PROMOTER_METRICS_ADDRESS  host:port of the Prometheus endpoint (/metrics): the SDK's metrics and the promoter's
//                             own (activities/metrics.ts, workflows/observe.ts). Unset: no endpoint (a fixed default
//                             port would make a second worker on the host fail to start).
//   PROMOTER_LOG_LEVEL        TRACE | DEBUG | INFO (default) | WARN | ERROR, for the JSON log lines on stdout.
// Counters end in _total and durations are in seconds (Prometheus conventions; config/prometheus/alerts.yml
// assumes both). The SDK's own metrics keep Temporal's temporal_ prefix and their histogram names
// (temporal_activity_execution_latency, in seconds: the SDK's unitSuffix would append "_s", not "_seconds");
// the promoter's start with promoter_ and carry their unit in the name.
import { makeTelemetryFilterString, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { DECISION_BUCKETS } from '../activities/metrics.js';
import { promoterLogger } from './log-format.js';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface TelemetrySettings {
  metricsAddress: string | null;
  logLevel: LogLevel;
}

const bad = (name: string, value: string, want: string) =>
  new PromoterError(ErrorCode.Config, `${name}=${JSON.stringify(value)}: expected ${want}`, { context: { name } });

/** A host:port to bind, or null when unset; throws naming the variable otherwise. */
export function bindAddress(name: string, env: NodeJS.ProcessEnv): string | null {
  const v = env[name]?.trim();
  if (!v) return null;
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([\w.-]+)):(\d{1,5})$/.exec(v);
  if (!m || Number(m[3]) > 65535) throw bad(name, v, 'host:port, e.g. 127.0.0.1:9464 or [::]:9464');
  return v;
}

export function telemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const level = (env.PROMOTER_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level)) throw bad('PROMOTER_LOG_LEVEL', env.PROMOTER_LOG_LEVEL!, LEVELS.join(' | '));
  return { metricsAddress: bindAddress('PROMOTER_METRICS_ADDRESS', env), logLevel: level };
}

export function runtimeOptions(s: TelemetrySettings): RuntimeOptions {
  return {
    logger: promoterLogger(s.logLevel),
    telemetryOptions: {
      logging: {
        forward: {},
        filter: makeTelemetryFilterString({ core: s.logLevel === 'INFO' ? 'WARN' : s.logLevel }),
      },
      ...(s.metricsAddress
        ? {
            metrics: {
              metricPrefix: 'temporal_',
              prometheus: {
                bindAddress: s.metricsAddress,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: { promoter_decision_seconds: DECISION_BUCKETS },
              },
            },
          }
        : {}),
    },
  };
}

/** Installs the Runtime from the environment; returns what it installed (the worker prints the endpoint). */
export function installTelemetry(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const s = telemetrySettings(env);
  Runtime.install(runtimeOptions(s));
  if (s.metricsAddress) Runtime.instance().logger.info(`metrics on http://${s.metricsAddress}/metrics`);
  return s;
}
