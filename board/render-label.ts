// The page of one (release, label): verdict banner, what the next candidate waits for, every candidate with its
// checks, and the label's history of promotions (by this promoter and by others); and the "what changed" page.
import { age, hash, html, iso, jobs, layout, link, verdictBadge } from './html.js';
import { apiPath, changesApiPath, changesPath } from './paths.js';
import { controlsList, controllerLine, failureLine } from './render.js';
import type { BuildRef, Changes, LabelPage } from './types.js';

export function labelPage(p: LabelPage, now: number): string {
  const v = p.view;
  const current = v.current.fullHash;
  const body = html`<p class="crumbs"><a href="/">board</a> › ${p.release}/${p.distro} › ${v.label}</p>
    <h1>${v.label} <span class="dim">${p.release}/${p.distro}, from ${v.candidateLabel}</span></h1>
    <div class="banner ${v.verdict.kind}">
      ${verdictBadge(v.verdict)} <span class="headline">${v.verdict.headline}</span> ${
        v.waitingFor.length > 1
          ? html`<ul>
              ${v.waitingFor.slice(1).map((l) => html`<li>${l}</li>`)}
            </ul>`
          : ''
      }
    </div>
    ${controllerLine(p.controller, now)}
    <dl class="facts">
      <dt>current hash</dt>
      <dd class="current">${hash(current)} since ${age(v.current.since, now)}</dd>
      <dt>next candidate</dt>
      <dd class="next">
        ${v.next ? html`${hash(v.next.fullHash)} ${v.next.status.replace('_', ' ')}: ${v.next.reason}` : '-'}
      </dd>
      ${
        v.wakeAt
          ? html`<dt>re-evaluated</dt>
              <dd>${age(v.wakeAt, now)}</dd>`
          : ''
      }
    </dl>
    ${controlsList(v, now)}${failureLine(v, now)}
    <h2>Candidates <span class="dim">newest first</span></h2>
    <table class="candidates">
      <thead>
        <tr>
          <th>hash</th>
          <th>status</th>
          <th>in ${v.candidateLabel}</th>
          <th>why</th>
          <th>checks</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${p.candidates.map(
          (c) =>
            html`<tr class="candidate ${c.status}" data-hash="${c.fullHash}">
              <td>${hash(c.fullHash)}</td>
              <td>${c.status.replace('_', ' ')}</td>
              <td>${age(c.since, now)}</td>
              <td>${c.reason}</td>
              <td>${jobs(c.jobs)}</td>
              <td>
                ${current && c.fullHash !== current ? link(changesPath(p.release, p.distro, current, c.fullHash), 'what changed') : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>History of ${v.label} <span class="dim">DLRN promotions, newest first</span></h2>
    <table class="history">
      <thead>
        <tr>
          <th>hash</th>
          <th>promoted</th>
          <th>by</th>
          <th>checks</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${p.history.map(
          (e) =>
            html`<tr class="promotion" data-hash="${e.fullHash}">
              <td>${hash(e.fullHash)}</td>
              <td>
                ${age(e.at, now)}
                <div class="dim">${iso(e.at)}</div>
              </td>
              <td>${e.user ?? '-'} <span class="dim">${e.byThisPromoter ? 'this promoter' : 'other'}</span></td>
              <td>${e.checks ? jobs(e.checks) : html`<span class="dim">not read</span>`}</td>
              <td>${link(e.changes, 'what changed')}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return layout(`${v.label} — ${p.release}/${p.distro}`, body, apiPath(p.release, p.distro, v.label));
}

const build = (b: BuildRef | null) =>
  b
    ? html`${hash(b.commitHash)} <span class="dim">${b.dtCommit ? iso(b.dtCommit) : ''}</span>`
    : html`<span class="dim">absent</span>`;

export function changesPage(c: Changes): string {
  const body = html`<p class="crumbs"><a href="/">board</a> › ${c.release}/${c.distro} › what changed</p>
    <h1>What changed <span class="dim">${c.release}/${c.distro}</span></h1>
    <p>
      from ${hash(c.from)} to ${hash(c.to)}: ${c.changed.length} changed, ${c.unchanged.length}
      unchanged${c.unchanged.length ? ` (${c.unchanged.join(', ')})` : ''}
    </p>
    ${c.notes.map((n) => html`<p class="note">${n}</p>`)}
    <table class="changes">
      <thead>
        <tr>
          <th>component</th>
          <th>project</th>
          <th>from</th>
          <th>to</th>
          <th>DLRN builds in between</th>
        </tr>
      </thead>
      <tbody>
        ${c.changed.map(
          (x) =>
            html`<tr class="change" data-component="${x.component ?? ''}">
              <td>${x.component ?? '-'}</td>
              <td>${x.projectName ?? '-'}</td>
              <td>${build(x.from)}</td>
              <td>${build(x.to)}</td>
              <td>
                ${
                  x.builds.length
                    ? html`<ol class="builds">
                        ${x.builds.map((b) => html`<li>${build(b)}</li>`)}
                      </ol>`
                    : '-'
                }${x.truncated ? ' (more not shown)' : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return layout(`what changed — ${c.release}/${c.distro}`, body, changesApiPath(c.release, c.distro, c.from, c.to));
}
