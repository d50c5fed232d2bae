// What a command works with: the release files it was given (or the config directory's), the release it acts on,
// and connections made on first use (Temporal, DLRN) and closed when the command ends.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { DlrnClient } from '../../clients/dlrn.js';
import { DlrnRepoClient } from '../../clients/dlrn-repo.js';
import { createDlrnActivities } from '../../activities/dlrn.js';
import { loadReleaseConfig } from '../../domain/config-file.js';
import type { ReleaseConfig } from '../../domain/config.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import { connectClient, temporalSettings, type TemporalSettings } from '../connection.js';
import { usageError } from './errors.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_CONFIG_DIR = join(PACKAGE_ROOT, 'config', 'sandbox');

export const releaseName = (cfg: Pick<ReleaseConfig, 'release' | 'distro'>) => `${cfg.release}/${cfg.distro}`;

/** The release files named with -c, else every *.yaml in $PROMOTER_CONFIG_DIR (default config/sandbox). */
export function releaseFiles(files: string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (files?.length) return files.map((f) => resolve(f));
  const dir = env.PROMOTER_CONFIG_DIR ? resolve(env.PROMOTER_CONFIG_DIR) : DEFAULT_CONFIG_DIR;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PromoterError(ErrorCode.Config, `release config directory ${dir} does not exist`, {
      context: { file: dir },
      suggestion: 'pass release files with -c/--release-config, or set PROMOTER_CONFIG_DIR',
    });
  }
  const found = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
  if (found.length === 0) {
    throw new PromoterError(ErrorCode.Config, `no *.yaml release files in ${dir}`, {
      context: { file: dir },
      suggestion: 'pass release files with -c/--release-config, or set PROMOTER_CONFIG_DIR',
    });
  }
  return found;
}

/** Loads every release file (a broken one is a Config error naming the file and key: exit 2), then applies -r. */
export function loadConfigs(opts: { releaseConfig?: string[]; release?: string }): ReleaseConfig[] {
  const configs = releaseFiles(opts.releaseConfig).map((f) => loadReleaseConfig(f, process.env));
  const seen = new Set<string>();
  for (const c of configs) {
    if (seen.has(releaseName(c))) throw usageError(`--release-config: ${releaseName(c)} is given twice`);
    seen.add(releaseName(c));
  }
  if (!opts.release) return configs;
  const picked = configs.filter((c) => c.release === opts.release || releaseName(c) === opts.release);
  if (picked.length === 0) {
    throw usageError(
      `--release: ${opts.release} is not in the release files (one of: ${configs.map(releaseName).join(', ')})`,
    );
  }
  return picked;
}

export interface Narrowing {
  /** Target labels the release must promote to (--label). */
  labels?: string[];
  /** The hash kind the release must promote, and the option that gave the hash. */
  hashKind?: { kind: 'commit' | 'aggregate'; option: string };
  /** A CI job the release's criteria must name. */
  job?: string;
}

/** The releases a command acts on; each filter failing is a usage error that names its option. */
export function narrow(configs: ReleaseConfig[], n: Narrowing): ReleaseConfig[] {
  let out = configs;
  for (const label of n.labels ?? []) {
    const kept = out.filter((c) => c.promotions.some((p) => p.targetLabel === label));
    if (kept.length === 0) {
      const known = [...new Set(out.flatMap((c) => c.promotions.map((p) => p.targetLabel)))];
      throw usageError(
        `--label: ${label} is not a promotion target of ${out.map(releaseName).join(', ')} (one of: ${known.join(', ')})`,
      );
    }
    out = kept;
  }
  if (n.hashKind) {
    const { kind, option } = n.hashKind;
    const kept = out.filter((c) => c.hashKind === kind);
    if (kept.length === 0) {
      throw usageError(
        `${option}: a ${kind} hash, but ${out.map(releaseName).join(', ')} promote${out.length === 1 ? 's' : ''} ` +
          `${out[0]?.hashKind ?? 'other'} hashes`,
      );
    }
    out = kept;
  }
  if (n.job) {
    const jobs = (c: ReleaseConfig) =>
      c.promotions.flatMap((p) => [...p.criteria, ...Object.values(p.alternativeCriteria).flat()]);
    const kept = out.filter((c) => jobs(c).includes(n.job!));
    // An unknown job is only an error when it would leave nothing: report-result accepts any job DLRN accepts.
    if (kept.length > 0) out = kept;
  }
  return out;
}

/** Exactly one release, or a usage error asking for --release. */
export function single(configs: ReleaseConfig[]): ReleaseConfig {
  if (configs.length === 1) return configs[0]!;
  throw usageError(
    `--release: this command acts on one release, and ${configs.length} match (${configs.map(releaseName).join(', ')})`,
    [],
    'pick one with --release <release> or -c <file>',
  );
}

/** Connections of one command run, made on first use and closed by close(). */
export class Session {
  readonly settings: TemporalSettings;
  private client?: Promise<Client>;
  private readonly dlrnClients = new Map<string, DlrnClient>();

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.settings = temporalSettings(env);
  }

  temporal(): Promise<Client> {
    // A short connect timeout: a CLI user waiting 10 s for "unreachable" would rather know at once.
    const connectionOptions = { connectTimeout: '5s', ...this.settings.connectionOptions };
    return (this.client ??= connectClient({ ...this.settings, connectionOptions }));
  }

  /** Temporal, or null with the reason, for reads that work without it. */
  async temporalOrNull(): Promise<{ client: Client | null; error?: string }> {
    try {
      return { client: await this.temporal() };
    } catch (err) {
      return { client: null, error: `Temporal at ${this.settings.address} unreachable: ${(err as Error).message}` };
    }
  }

  /** DLRN credentials come from DLRNAPI_USERNAME / DLRNAPI_PASSWORD[_FILE] only, never from options. */
  dlrn = (apiUrl: string): DlrnClient => {
    let c = this.dlrnClients.get(apiUrl);
    if (!c) this.dlrnClients.set(apiUrl, (c = DlrnClient.fromEnv(apiUrl)));
    return c;
  };

  /** The DLRN activities, run in this process: the same reads a stage makes. */
  dlrnActivities() {
    return createDlrnActivities(this.dlrn, (baseUrl) => new DlrnRepoClient(baseUrl));
  }

  async close(): Promise<void> {
    for (const c of this.dlrnClients.values()) c.close();
    if (this.client) {
      const client = await this.client.catch(() => null);
      await client?.connection.close().catch(() => undefined);
    }
  }
}

/** Runs a command body with a session that is closed however the body ends. */
export async function withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
  const session = new Session();
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
