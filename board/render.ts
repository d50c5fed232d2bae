// The board's overview page: one table per release/distro, one row per label, the verdict first.
import { age, hash, html, jobs, layout, link, verdictBadge, type Raw } from './html.js';
import type { ControllerView, LabelView, ReleaseView } from './types.js';

export function controllerLine(c: ControllerView, now: number): Raw {
  return html`<p class="controller ${c.state}">
    controller ${link(c.workflowUrl, c.workflowId)}: <b>${c.state}</b>${
      c.detail ? ` (${c.detail})` : ''
    }${c.running ? html`; running ${link(c.running.workflowUrl, c.running.reason)} since ${age(c.running.startedAt, now)}` : ''}${
      c.lastError ? html`; last error ${age(c.lastError.at, now)}: ${c.lastError.reason}: ${c.lastError.message}` : ''
    }
  </p>`;
}

/** Holds, approvals, waivers and refusals of a label: who and why. */
export function controlsList(v: LabelView, now: number): Raw {
  const items = [
    ...v.holds.map((h) => html`<li class="hold">held by <b>${h.by}</b> ${age(h.at, now)}: ${h.why}</li>`),
    ...v.approvals.map((a) => html`<li>${hash(a.fullHash)} approved by <b>${a.by}</b>: ${a.why}</li>`),
    ...v.waivers.map(
      (w) =>
        html`<li class="waiver">
          ${w.job} waived for ${hash(w.fullHash)} by <b>${w.by}</b> until ${age(w.expiresAt, now)}: ${w.why}
        </li>`,
    ),
    ...v.refusals.map(
      (r) => html`<li class="refusal">${hash(r.fullHash)} refused by DLRN ${age(r.at, now)}: ${r.message}</li>`,
    ),
  ];
  return items.length
    ? html`<ul class="controls">
        ${items}
      </ul>`
    : html``;
}

export function failureLine(v: LabelView, now: number): Raw {
  const f = v.lastFailure;
  if (!f) return html``;
  return html`<div class="failure">
    ${link(f.workflowUrl, f.outcome)} ${age(f.at, now)}: ${hash(f.fullHash)} <b>${f.cause}</b>: ${f.message}
  </div>`;
}

function labelRow(v: LabelView, now: number): Raw {
  return html`<tr class="label ${v.verdict.kind}" data-label="${v.label}">
    <td>${verdictBadge(v.verdict)}</td>
    <th scope="row">
      <a class="label-link" href="${v.links.page}">${v.label}</a>
      <div class="dim">from ${v.candidateLabel}</div>
    </th>
    <td class="current">${hash(v.current.fullHash)}</td>
    <td>${age(v.current.since, now)}</td>
    <td class="next">
      ${v.next ? hash(v.next.fullHash) : '-'}${v.next ? html`<div class="dim">${v.next.status.replace('_', ' ')}</div>` : ''}${
        v.links.changes ? html`<div>${link(v.links.changes, 'what changed')}</div>` : ''
      }
    </td>
    <td class="waits">
      <div class="headline">${v.verdict.headline}</div>
      ${
        v.waitingFor.length > 1
          ? html`<ul>
              ${v.waitingFor.slice(1).map((l) => html`<li>${l}</li>`)}
            </ul>`
          : ''
      }${v.next ? jobs(v.next.jobs, true) : ''}${controlsList(v, now)}${failureLine(v, now)}
    </td>
  </tr>`;
}

export function releaseSection(r: ReleaseView, now: number): Raw {
  const act = r.labels.filter((l) => l.verdict.mustAct).length;
  return html`<section class="release" id="${r.release}-${r.distro}" data-release="${r.release}/${r.distro}">
    <h2>
      ${r.release}/${r.distro}
      <span class="dim">${r.hashKind} hashes</span
      >${act ? html` <span class="verdict blocked">${act} need action</span>` : ''}
    </h2>
    ${controllerLine(r.controller, now)}
    ${r.error ? html`<p class="error">cannot read this release: ${r.error}</p>` : ''}
    <table>
      <thead>
        <tr>
          <th>verdict</th>
          <th>label</th>
          <th>current hash</th>
          <th>since</th>
          <th>next candidate</th>
          <th>what it waits for</th>
        </tr>
      </thead>
      <tbody>
        ${r.labels.map((l) => labelRow(l, now))}
      </tbody>
    </table>
  </section>`;
}

export function indexPage(releases: ReleaseView[], now: number): string {
  const labels = releases.flatMap((r) => r.labels);
  const act = labels.filter((l) => l.verdict.mustAct).length;
  const body = html`<h1>Where each label stands</h1>
    <p class="summary">
      ${releases.length} releases, ${labels.length} labels: <b>${act}</b> need action,
      ${labels.filter((l) => l.verdict.kind === 'waiting').length} waiting,
      ${labels.filter((l) => l.verdict.kind === 'promotable').length} promotable,
      ${labels.filter((l) => l.verdict.kind === 'up-to-date').length} up to date.
      <span class="dim">As of ${age(now, now)}.</span>
    </p>
    ${releases.map((r) => releaseSection(r, now))}`;
  return layout('RDO promotion board', body, '/api/v1/releases');
}
