// A resolved release configuration written back as one release file in rdo-promoter's keys (`promoter config
// convert`), and what the conversion changes in behaviour. Pure.
import { stringify } from 'yaml';
import type { ReleaseConfig, RegistryConfig } from './config.js';
import { artifactKinds } from './promotion.js';

const registry = (r: RegistryConfig, named: boolean) => ({
  ...(named ? { name: r.name } : {}),
  url: r.url,
  namespace: r.namespace,
  tls_verify: r.tlsVerify,
  ...(r.usernameEnv ? { username_env: r.usernameEnv } : {}),
  ...(r.passwordEnv ? { password_env: r.passwordEnv } : {}),
  ...(r.passwordFile ? { password_file: r.passwordFile } : {}),
});

/** The release file that resolves to `cfg` on its own, without layers or old keys. */
export function releaseFileOf(cfg: ReleaseConfig): Record<string, unknown> {
  const s = cfg.imageServer;
  return {
    release: cfg.release,
    distro_name: cfg.distroName,
    distro_version: cfg.distroVersion,
    distro: cfg.distro,
    api_url: cfg.apiUrl,
    base_url: cfg.baseUrl,
    source_namespace: cfg.sourceNamespace,
    target_namespace: cfg.targetNamespace,
    latest_hashes_count: cfg.latestHashesCount,
    allowed_clients: cfg.allowedClients,
    dry_run: cfg.dryRun,
    manifest_push: cfg.manifestPush,
    ppc_manifests: cfg.ppcManifests,
    create_previous: cfg.createPrevious,
    ...(cfg.logFile ? { log_file: cfg.logFile } : {}),
    ...(cfg.dlrnApi.host === undefined ? {} : { dlrn_api_host: cfg.dlrnApi.host }),
    ...(cfg.dlrnApi.endpoint === undefined ? {} : { dlrn_api_endpoint: cfg.dlrnApi.endpoint }),
    dlrn_api_scheme: cfg.dlrnApi.scheme,
    ...(cfg.dlrnApi.port === undefined ? {} : { dlrn_api_port: cfg.dlrnApi.port }),
    hash_kind: cfg.hashKind,
    promotions: Object.fromEntries(
      cfg.promotions.map((p) => [
        p.targetLabel,
        {
          candidate_label: p.candidateLabel,
          criteria: p.criteria,
          ...(Object.keys(p.alternativeCriteria).length ? { alternative_criteria: p.alternativeCriteria } : {}),
          ...(p.soakSeconds ? { soak_time: p.soakSeconds } : {}),
          ...(p.approvalRequired ? { approval_required: true } : {}),
          ...(p.windows.length ? { promotion_windows: p.windows } : {}),
          ...(p.hold ? { hold: true } : {}),
        },
      ]),
    ),
    registries: {
      source: registry(cfg.registries.source, false),
      targets: cfg.registries.targets.map((t) => registry(t, true)),
    },
    ...(cfg.containers ? { containers: cfg.containers } : {}),
    ...(s
      ? {
          image_server: {
            host: s.host,
            port: s.port,
            user: s.user,
            root: s.root,
            ...(s.keyFileEnv ? { key_file_env: s.keyFileEnv } : {}),
            ...(s.keyFile ? { key_file: s.keyFile } : {}),
            ...(s.hostKeySha256 ? { host_key_sha256: s.hostKeySha256 } : {}),
            images: s.images,
          },
        }
      : {}),
    schedule: {
      interval: cfg.schedule.intervalSeconds,
      jitter: cfg.schedule.jitterSeconds,
      paused: cfg.schedule.paused,
    },
  };
}

/**
 * What changes against the old promoter reading the same file: every warning (read and not acted on as asked).
 * The converted file itself resolves to the same configuration, so converting changes nothing further.
 */
export function behaviourChanges(cfg: ReleaseConfig): string[] {
  return cfg.warnings.filter((w) => !w.startsWith('hash_kind not set'));
}

export function convertReport(cfg: ReleaseConfig): string {
  const changes = behaviourChanges(cfg);
  const header = [
    `# Converted from ${cfg.layers.join(' < ')} by \`promoter config convert\`.`,
    `# Promotes: ${artifactKinds(cfg).join(', ')}.`,
    changes.length === 0
      ? '# Behaviour changes against the old promoter: none.'
      : `# Behaviour changes against the old promoter:\n${changes.map((c) => `#   - ${c}`).join('\n')}`,
  ];
  return `${header.join('\n')}\n${stringify(releaseFileOf(cfg), { lineWidth: 0 })}`;
}
