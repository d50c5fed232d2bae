// Builds container images without any container engine: an OCI image layout on disk (blobs + index.json), one small
// unique layer per image and architecture, multi-arch images as OCI image indexes. skopeo pushes them from there.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pLimit from 'p-limit';

const run = promisify(execFile);

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class OciLayout {
  private readonly refs: Descriptor[] = [];
  private readonly scratch: string;

  constructor(readonly dir: string) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    this.scratch = mkdtempSync(join(tmpdir(), 'oci-layer-'));
  }

  private blob(mediaType: string, data: Buffer): Descriptor {
    const digest = sha256(data);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { mediaType, digest, size: data.length };
  }

  private json(mediaType: string, value: unknown): Descriptor {
    return this.blob(mediaType, Buffer.from(JSON.stringify(value)));
  }

  /** A one-file layer whose content names the image, so every image and arch has its own digest. */
  private layer(content: string): { desc: Descriptor; diffId: string } {
    const work = mkdtempSync(join(this.scratch, 'l-'));
    mkdirSync(join(work, 'etc'));
    writeFileSync(join(work, 'etc', 'rdo-image'), content);
    const file = join(work, 'layer.tar');
    tar.create({ sync: true, file, cwd: work, portable: true, mtime: new Date(0) }, ['etc/rdo-image']);
    const raw = readFileSync(file);
    rmSync(work, { recursive: true, force: true });
    return { desc: this.blob(MEDIA.layer, gzipSync(raw, { level: 6 })), diffId: sha256(raw) };
  }

  private image(name: string, tag: string, arch: string): Descriptor {
    const { desc: layer, diffId } = this.layer(`${name} ${tag} ${arch}\n`);
    const config = this.json(MEDIA.config, {
      architecture: arch,
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Labels: { 'org.rdoproject.image': name, 'org.rdoproject.tag': tag } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
    });
    return this.json(MEDIA.manifest, { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers: [layer] });
  }

  /** Adds an image under `ref`; with several arches it becomes a multi-arch index. Returns the top digest. */
  add(ref: string, name: string, tag: string, arches: string[]): string {
    let top: Descriptor;
    if (arches.length === 1) {
      top = this.image(name, tag, arches[0]!);
    } else {
      const manifests = arches.map((a) => ({
        ...this.image(name, tag, a),
        platform: { architecture: a, os: 'linux' },
      }));
      top = this.json(MEDIA.index, { schemaVersion: 2, mediaType: MEDIA.index, manifests });
    }
    this.refs.push({ ...top, annotations: { 'org.opencontainers.image.ref.name': ref } });
    return top.digest;
  }

  save(): void {
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: this.refs }));
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/**
 * Pushes images with skopeo: each copy is [source, destination] in skopeo's transport syntax (oci:…, docker://…).
 * Copies into one repository run one after another, since parallel pushes of the same blobs race in the registry;
 * repositories run `concurrency` at a time. Credentials come from a docker-style auth file, never the command line.
 */
export async function skopeoCopyAll(copies: [string, string][], authfile?: string, concurrency = 4): Promise<void> {
  const byRepo = new Map<string, [string, string][]>();
  for (const c of copies) {
    const repo = c[1].replace(/:[^:/]+$/, '');
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), c]);
  }
  const auth = authfile ? ['--dest-authfile', authfile] : [];
  const limit = pLimit(concurrency);
  await Promise.all(
    [...byRepo.values()].map((group) =>
      limit(async () => {
        for (const [from, to] of group) {
          await run('skopeo', ['copy', '--all', '--quiet', '--dest-tls-verify=false', ...auth, from, to]);
        }
      }),
    ),
  );
}
