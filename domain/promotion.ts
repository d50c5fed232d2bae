// Pure pieces of a promotion that workflows, activities and the CLI share: workflow IDs (which double as
// idempotency keys), the artifact references a release config implies, and the sentences shown in the Web UI.
import type { PromotionConfig, ReleaseConfig } from './config.js';
import { ErrorCode, PromoterError } from './errors.js';

export interface RegistryRef {
  name: string;
  host: string;
  namespace: string;
  tlsVerify: boolean;
  usernameEnv?: string;
  passwordEnv?: string;
  passwordFile?: string;
}

export interface ImageServerRef {
  host: string;
  port: number;
  user: string;
  /** The image tree on the server, e.g. /var/www/html/images. */
  root: string;
  /** Name of the environment variable holding the private key file's path, e.g. IMAGE_SERVER_KEY_FILE. */
  keyFileEnv?: string;
  /** The private key file's path (when keyFileEnv is not used). */
  keyFile?: string;
  /** `SHA256:<base64>` of the server's host key; unset accepts any host key (see integrations/sftp.ts). */
  hostKeySha256?: string;
}

export type ArtifactKind = 'containers' | 'images' | 'dlrn';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['containers', 'images', 'dlrn'];

export const releaseWorkflowId = (release: string, distro: string) => `release/${release}/${distro}`;
/** The release's shadow (read-only) promoter. */
export const shadowWorkflowId = (release: string, distro: string) => `shadow/${release}/${distro}`;
/** One running stage per label at a time: the ID is the per-label lock, wherever the workers run. */
export const stageWorkflowId = (release: string, distro: string, label: string) =>
  `stage/${release}/${distro}/${label}`;
/**
 * At most one running promotion per (label, hash). A later run of the same ID first asks DLRN, finds the hash
 * already there and touches nothing: the check-then-act guards make the effects happen once, and they outlive the
 * namespace's retention (an ID policy that refused reruns would also refuse a deliberate re-promotion after a
 * rollback).
 */
export const promotionWorkflowId = (release: string, distro: string, label: string, fullHash: string) =>
  `promotion/${release}/${distro}/${label}/${fullHash}`;

export function promotionFor(cfg: ReleaseConfig, targetLabel: string): PromotionConfig {
  const p = cfg.promotions.find((x) => x.targetLabel === targetLabel);
  if (!p) {
    const known = cfg.promotions.map((x) => x.targetLabel).join(', ');
    throw new PromoterError(ErrorCode.Usage, `${cfg.release}/${cfg.distro} has no promotion to ${targetLabel}`, {
      context: { label: targetLabel, known },
      suggestion: `Use one of: ${known}`,
    });
  }
  return p;
}

/** Which artifact kinds a release moves: the old allowed_clients, in our words. */
export function artifactKinds(cfg: ReleaseConfig): ArtifactKind[] {
  const kinds: ArtifactKind[] = [];
  if (cfg.allowedClients.includes('registries_client') && cfg.containers) kinds.push('containers');
  if (cfg.allowedClients.includes('qcow_client') && cfg.imageServer) kinds.push('images');
  if (cfg.allowedClients.includes('dlrn_client')) kinds.push('dlrn');
  return kinds;
}

export function registryRefs(cfg: ReleaseConfig): { source: RegistryRef; targets: RegistryRef[] } {
  const ref = (r: ReleaseConfig['registries']['source']): RegistryRef => ({
    name: r.name,
    host: r.url,
    namespace: r.namespace,
    tlsVerify: r.tlsVerify,
    ...(r.usernameEnv ? { usernameEnv: r.usernameEnv } : {}),
    ...(r.passwordEnv ? { passwordEnv: r.passwordEnv } : {}),
    ...(r.passwordFile ? { passwordFile: r.passwordFile } : {}),
  });
  return { source: ref(cfg.registries.source), targets: cfg.registries.targets.map(ref) };
}

/** Full image names (prefix included), e.g. openstack-nova-api. */
export const containerImages = (cfg: ReleaseConfig): string[] =>
  (cfg.containers?.images ?? []).map((i) => `${cfg.containers?.prefix ?? ''}${i}`);

export function imageServerRef(cfg: ReleaseConfig): ImageServerRef | null {
  if (!cfg.imageServer) return null;
  const { images: _images, ...server } = cfg.imageServer;
  return server;
}

export const shortHash = (fullHash: string) => fullHash.slice(0, 8) + (fullHash.includes('_') ? '…' : '');

export const promotionSummary = (fullHash: string, label: string, release: string, distro: string) =>
  `promote ${fullHash} to ${label} for ${release}/${distro}`;
