// The board's data from the live system: the release files (PROMOTER_CONFIG_DIR), each release controller's status
// query through the Temporal client, and DLRN (the same read-only stage evaluation `promoter status` runs, the
// label's promotions list, votes per hash). Never writes.
import { ofKind, toRecord, safeFullHash, votesOf } from '../activities/dlrn.js';
import { loadConfigFiles, type ConfigFile } from '../client/cli-kit.js';
import { readController, type ControllerView as ClientControllerView } from '../client/controller.js';
import { workflowUiUrl } from '../client/connection.js';
import { evaluateStage, type StageView } from '../client/evaluate.js';
import type { ReleaseConfig } from '../domain/config.js';
import { evaluateVotes, rulesOf } from '../domain/engine.js';
import { hashFromPromotion } from '../domain/hash.js';
import { DlrnBuildsReader } from '../integrations/dlrn-builds.js';
import { DlrnRepoClient } from '../integrations/dlrn-repo.js';
import { DlrnClient } from '../integrations/dlrn.js';
import { changesBetween } from './changes.js';
import { changesPath } from './paths.js';
import type { BoardSource, ControllerView, HistoryEntry, LabelPage, LabelView, ReleaseView } from './types.js';
import { candidateView, jobChecks, labelView } from './verdict.js';

/** The label page reads each hash's checks for this many of the newest history entries. */
const HISTORY_CHECKED = 10;
const HISTORY_SHOWN = 50;

export interface LiveOptions {
  /** Release files (default: every release file in $PROMOTER_CONFIG_DIR). */
  configs?: () => ConfigFile[];
  /** The DLRN user this promoter writes with (default $BOARD_DLRN_USER, else $DLRNAPI_USERNAME). */
  dlrnUser?: string | null;
  /** Answers are fresh this long (older ones are served while a new read runs): a room of browsers costs one read. */
  cacheMs?: number;
  uiUrl?: (workflowId: string) => string | null;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Answers younger than `ms` are reused; one up to 4 × `ms` old is still served at once while a fresh read runs behind
 * it (stale-while-revalidate), so a busy page never waits for DLRN; an older one is read afresh. Failures are not kept.
 */
function memo<T>(ms: number, fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, { at: number; value: Promise<T>; refreshing?: boolean }>();
  const read = (key: string) => {
    const value = fn(key);
    value.then(
      () => cache.set(key, { at: Date.now(), value }),
      () => cache.get(key)?.value === value && cache.delete(key),
    );
    return value;
  };
  return (key) => {
    const hit = cache.get(key);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (!hit || age >= 4 * ms) {
      const value = read(key);
      if (!hit) cache.set(key, { at: Date.now(), value });
      return value;
    }
    if (age >= ms && !hit.refreshing) {
      hit.refreshing = true;
      read(key).catch(() => (hit.refreshing = false));
    }
    return hit.value;
  };
}

export function liveSource(opts: LiveOptions = {}): BoardSource {
  const configs = opts.configs ?? (() => loadConfigFiles(undefined));
  const uiUrl = opts.uiUrl ?? ((id: string) => workflowUiUrl(id));
  const dlrnUser = opts.dlrnUser ?? process.env.BOARD_DLRN_USER ?? process.env.DLRNAPI_USERNAME ?? null;
  const cacheMs = opts.cacheMs ?? 15_000;

  const controllerView = (v: ClientControllerView): ControllerView => ({
    workflowId: v.workflowId,
    state: v.state,
    detail: v.detail,
    workflowUrl: uiUrl(v.workflowId),
    running: v.status?.running ? { ...v.status.running, workflowUrl: uiUrl(v.status.running.workflowId) } : null,
    lastError: v.status?.lastError ?? null,
  });

  const viewOf = (cfg: ReleaseConfig, ctl: ClientControllerView, s: StageView): LabelView =>
    labelView({
      release: cfg.release,
      distro: cfg.distro,
      label: s.targetLabel,
      candidateLabel: s.candidateLabel,
      current: { fullHash: s.current.fullHash, since: s.current.promotedAt },
      selected: s.selected,
      gate: s.gate,
      wakeAt: s.decision.wakeAt,
      candidates: s.candidates,
      votes: s.input.votes,
      controllerState: ctl.state,
      controllerDetail: ctl.detail,
      controls: ctl.status?.controls ?? null,
      failures: ctl.status?.failures ?? [],
      uiUrl,
    });

  async function readRelease(cfg: ReleaseConfig): Promise<ReleaseView> {
    const ctl = await readController(cfg.release, cfg.distro);
    const base = { release: cfg.release, distro: cfg.distro, hashKind: cfg.hashKind, controller: controllerView(ctl) };
    try {
      const stages = await Promise.all(cfg.promotions.map((p) => evaluateStage(cfg, p.targetLabel, ctl.status)));
      return { ...base, labels: stages.map((s) => viewOf(cfg, ctl, s)), error: null };
    } catch (err) {
      return { ...base, labels: [], error: message(err) };
    }
  }

  const find = (release: string, distro: string) =>
    configs()
      .map((c) => c.cfg)
      .find((c) => c.release === release && c.distro === distro) ?? null;

  async function history(cfg: ReleaseConfig, stage: StageView): Promise<HistoryEntry[]> {
    const dlrn = DlrnClient.fromEnv(cfg.apiUrl);
    try {
      const rows = (await dlrn.promotions({ promote_name: stage.targetLabel, limit: 100 })).filter(
        ofKind(cfg.hashKind),
      );
      const entries = rows
        .map((row) => ({ row, fullHash: safeFullHash(toRecord(row)) }))
        .filter((e): e is { row: (typeof rows)[number]; fullHash: string } => e.fullHash !== null)
        .slice(0, HISTORY_SHOWN);
      const rules = rulesOf(stage.input);
      return await Promise.all(
        entries.map(async ({ row, fullHash }, i): Promise<HistoryEntry> => {
          const older = entries[i + 1]?.fullHash;
          let checks = null;
          if (i < HISTORY_CHECKED) {
            const votes = await votesOf(dlrn, hashFromPromotion(row));
            checks = jobChecks(evaluateVotes(votes, fullHash, rules).jobs, votes, []);
          }
          return {
            fullHash,
            at: row.timestamp,
            user: row.user ?? null,
            byThisPromoter: dlrnUser !== null && row.user === dlrnUser,
            checks,
            changes: older ? changesPath(cfg.release, cfg.distro, older, fullHash) : null,
          };
        }),
      );
    } finally {
      dlrn.close();
    }
  }

  async function readLabel(release: string, distro: string, label: string): Promise<LabelPage | null> {
    const cfg = find(release, distro);
    if (!cfg || !cfg.promotions.some((p) => p.targetLabel === label)) return null;
    const ctl = await readController(cfg.release, cfg.distro);
    const stage = await evaluateStage(cfg, label, ctl.status);
    return {
      release,
      distro,
      hashKind: cfg.hashKind,
      controller: controllerView(ctl),
      view: viewOf(cfg, ctl, stage),
      candidates: stage.candidates
        .filter((c) => c.status !== 'not_newer' && c.status !== 'duplicate')
        .map((c) => candidateView(c, stage.input.votes[c.fullHash])),
      history: await history(cfg, stage),
    };
  }

  const releases = memo(cacheMs, () => Promise.all(configs().map((c) => readRelease(c.cfg))));
  const labelPages = memo(cacheMs, (key) => {
    const [release, distro, label] = JSON.parse(key) as [string, string, string];
    return readLabel(release, distro, label);
  });

  return {
    releases: () => releases('all'),

    label: (release, distro, label) => labelPages(JSON.stringify([release, distro, label])),

    async changes(release, distro, from, to) {
      const cfg = find(release, distro);
      if (!cfg) return null;
      const labels = [...new Set(cfg.promotions.flatMap((p) => [p.targetLabel, p.candidateLabel]))];
      return changesBetween(
        { repo: new DlrnRepoClient(cfg.baseUrl), builds: new DlrnBuildsReader(cfg.apiUrl) },
        { release, distro, hashKind: cfg.hashKind, labels },
        from,
        to,
      );
    },
  };
}
