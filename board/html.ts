// Server-side HTML without a template engine: a tagged template that escapes every value unless it is already
// markup (Raw), plus the small pieces every page uses (layout, ages, hashes, links). No script on the pages.
import type { JobCheck, Verdict } from './types.js';

export class Raw {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = Raw | string | number | null | undefined | false | Value[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function text(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(text).join('');
  if (v instanceof Raw) return v.value;
  return escape(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Raw {
  return new Raw(strings.reduce((out, s, i) => out + s + (i < values.length ? text(values[i]!) : ''), ''));
}

export const iso = (t: number | null | undefined) => (t ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '-');

/** "3 h ago", "in 20 min", with the exact time on hover. */
export function age(t: number | null | undefined, now: number): Raw {
  if (!t) return html`-`;
  const d = Math.abs(now - t);
  const words =
    d < 90
      ? `${d} s`
      : d < 5400
        ? `${Math.round(d / 60)} min`
        : d < 129600
          ? `${Math.round(d / 3600)} h`
          : `${Math.round(d / 86400)} d`;
  return html`<time datetime="${iso(t)}" title="${iso(t)}">${t <= now ? `${words} ago` : `in ${words}`}</time>`;
}

/** A hash shortened for a table, whole on hover and in the data attribute tests and scripts read. */
export const hash = (h: string | null | undefined) =>
  h
    ? html`<code class="hash" data-hash="${h}" title="${h}">${h.length > 14 ? `${h.slice(0, 12)}…` : h}</code>`
    : html`-`;

export const link = (href: string | null | undefined, body: Value) =>
  href ? html`<a href="${href}">${body}</a>` : html`${body}`;

export const verdictBadge = (v: Verdict) =>
  html`<span class="verdict ${v.kind}" data-verdict="${v.kind}">${v.mustAct ? 'needs action' : v.kind}</span>`;

const STATE_MARK: Record<JobCheck['state'], string> = { passed: '✔', failed: '✘', in_progress: '…', missing: '?' };

export const job = (j: JobCheck) =>
  html`<li class="job ${j.state}${j.waived ? ' waived' : ''}">
    <span class="mark">${STATE_MARK[j.state]}</span> ${link(j.url, j.job)}${j.waived ? ' (waived)' : ''}
    <span class="dim">${j.summary}</span>
  </li>`;

export const jobs = (list: JobCheck[], onlyOpen = false) => {
  const shown = onlyOpen ? list.filter((j) => j.state !== 'passed') : list;
  return shown.length
    ? html`<ul class="jobs">
        ${shown.map(job)}
      </ul>`
    : html``;
};

export function layout(title: string, body: Raw, apiHref: string): string {
  return `<!doctype html>
${html`<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="stylesheet" href="/board.css" />
    <link rel="alternate" type="application/json" href="${apiHref}" />
  </head>
  <body>
    <header>
      <a class="home" href="/">RDO promotion board</a> <span class="dim">read-only</span>
      <a class="api" href="${apiHref}">JSON</a>
    </header>
    <main>${body}</main>
  </body>
</html>`}
`;
}
