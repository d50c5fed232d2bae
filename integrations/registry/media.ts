// Manifest media types and what a copy must move for each: an image manifest needs its config and layers, an index
// (or docker manifest list) needs its child manifests first. Pure helpers.
import { createHash } from 'node:crypto';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** What we ask for: every manifest kind we can copy byte-exact (no schema1: registries rewrite it). */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(', ');

export type ManifestKind = 'index' | 'image';

export function manifestKind(mediaType: string): ManifestKind | null {
  switch (mediaType) {
    case MediaType.ociIndex:
    case MediaType.dockerList:
      return 'index';
    case MediaType.ociManifest:
    case MediaType.dockerManifest:
      return 'image';
    default:
      return null;
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: { architecture: string; os: string; variant?: string };
}

/** The fields of a manifest or index that a copy reads; the raw bytes stay authoritative. */
export interface ParsedManifest {
  schemaVersion?: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

export const sha256Digest = (bytes: Buffer | Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Strips parameters and case from a Content-Type header value. */
export function baseContentType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The media type of a manifest: the Content-Type the registry sent when it is a manifest type, else the body's own
 * mediaType, else inferred from its shape (OCI made mediaType optional). null when it is none we can copy.
 */
export function manifestMediaType(contentType: string | undefined, parsed: ParsedManifest): string | null {
  const header = baseContentType(contentType);
  if (manifestKind(header)) return header;
  if (typeof parsed.mediaType === 'string' && manifestKind(parsed.mediaType)) return parsed.mediaType;
  if (parsed.mediaType !== undefined) return null;
  if (parsed.schemaVersion !== 2) return null;
  if (Array.isArray(parsed.manifests)) return MediaType.ociIndex;
  if (parsed.config && Array.isArray(parsed.layers)) return MediaType.ociManifest;
  return null;
}

const isDescriptor = (d: unknown): d is Descriptor =>
  !!d &&
  typeof d === 'object' &&
  typeof (d as Descriptor).digest === 'string' &&
  typeof (d as Descriptor).size === 'number' &&
  typeof (d as Descriptor).mediaType === 'string';

/** Parses manifest JSON; throws a plain Error naming what is wrong (callers wrap it with the image name). */
export function parseManifest(bytes: Buffer): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('manifest is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('manifest is not a JSON object');
  const m = json as ParsedManifest;
  if (m.manifests !== undefined && !(Array.isArray(m.manifests) && m.manifests.every(isDescriptor))) {
    throw new Error('manifest.manifests is not a list of descriptors');
  }
  if (m.layers !== undefined && !(Array.isArray(m.layers) && m.layers.every(isDescriptor))) {
    throw new Error('manifest.layers is not a list of descriptors');
  }
  if (m.config !== undefined && !isDescriptor(m.config)) throw new Error('manifest.config is not a descriptor');
  return m;
}

/** Layers that live outside the registry (Windows base layers): skopeo does not copy them either. */
const FOREIGN = /foreign|nondistributable/;

/** The blobs an image manifest needs in the target repository: config then layers, each digest once. */
export function blobsOf(m: ParsedManifest): Descriptor[] {
  const all = [...(m.config ? [m.config] : []), ...(m.layers ?? [])];
  const seen = new Set<string>();
  return all.filter((d) => {
    if (FOREIGN.test(d.mediaType) || (d.urls?.length ?? 0) > 0 || seen.has(d.digest)) return false;
    seen.add(d.digest);
    return true;
  });
}

/** The child manifests of an index, each digest once. */
export function childrenOf(m: ParsedManifest): Descriptor[] {
  const seen = new Set<string>();
  return (m.manifests ?? []).filter((d) => !seen.has(d.digest) && (seen.add(d.digest), true));
}

/** "amd64", "arm64/v8": how a child of an index is shown. */
export function platformOf(d: Descriptor): string {
  if (!d.platform) return 'unknown';
  return [d.platform.architecture, d.platform.variant].filter(Boolean).join('/');
}
