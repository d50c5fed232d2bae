// Image references the way docker and skopeo read them: [host[:port]/]repository[:tag][@digest]. Pure helpers, so the
// activities can validate labels and hashes as tags before any request goes out.

/** The distribution spec's grammar: lowercase path components separated by '/', each [a-z0-9]+([._-][a-z0-9]+)*. */
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^[A-Za-z0-9.-]+(?::\d+)?$/;

export const isRepository = (repo: string): boolean =>
  repo.length > 0 && repo.length <= 255 && repo.split('/').every((c) => REPO_COMPONENT.test(c));
export const isTag = (tag: string): boolean => TAG.test(tag);
export const isDigest = (ref: string): boolean => DIGEST.test(ref);
/** A manifest reference: a tag or a sha256 digest. */
export const isReference = (ref: string): boolean => isTag(ref) || isDigest(ref);

export interface ImageName {
  /** host[:port]; undefined when the name has none (docker would default to docker.io). */
  host?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Docker's rule: the first component is a host when it has a '.' or a ':' or is "localhost". */
function looksLikeHost(component: string): boolean {
  return component === 'localhost' || component.includes('.') || component.includes(':');
}

/** Parses `host:port/ns/name:tag`, `ns/name@sha256:…`, `name:tag@sha256:…`; null when it is not a valid name. */
export function parseImageName(name: string): ImageName | null {
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return null;
  }
  let host: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0 && looksLikeHost(rest.slice(0, slash))) {
    host = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (!HOST.test(host)) return null;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) return null;
  }
  if (!isRepository(rest)) return null;
  return { host, repository: rest, tag, digest };
}

/** The inverse of parseImageName. */
export function formatImageName({ host, repository, tag, digest }: ImageName): string {
  return `${host ? `${host}/` : ''}${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** The repository of an image inside a namespace ("" for none): tripleomastercentos9 + openstack-nova-api. */
export function repositoryOf(namespace: string, image: string): string {
  const ns = namespace.replace(/^\/+|\/+$/g, '');
  return ns === '' ? image : `${ns}/${image}`;
}
