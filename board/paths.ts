// The board's URLs, page and API, in one place: links in pages and in API answers stay in step.
const seg = (s: string) => encodeURIComponent(s);

export const labelPath = (release: string, distro: string, label: string) =>
  `/releases/${seg(release)}/${seg(distro)}/labels/${seg(label)}`;

export const apiPath = (release: string, distro: string, label?: string) =>
  `/api/v1/releases/${seg(release)}/${seg(distro)}` + (label ? `/labels/${seg(label)}` : '');

export const changesPath = (release: string, distro: string, from: string, to: string) =>
  `/releases/${seg(release)}/${seg(distro)}/changes?from=${seg(from)}&to=${seg(to)}`;

export const changesApiPath = (release: string, distro: string, from: string, to: string) =>
  `${apiPath(release, distro)}/changes?from=${seg(from)}&to=${seg(to)}`;
