// The CLI's verbs: what each one says in `promoter --help`, and where its module is. Nothing here imports a verb's
// module or its dependencies (Temporal client, DLRN client, zod schemas): main.ts loads only the module of the
// verb being run, so `promoter --help` starts in a fraction of a second.
import type { Command } from 'commander';

export interface VerbModule {
  register(program: Command): void;
}

type Loader = () => Promise<VerbModule>;

type Modules = typeof import('./commands/index.js');
/** A verb module's loader: one function per module (verbs sharing a module share it, so it registers once). */
const load =
  (name: keyof Modules): Loader =>
  () =>
    import('./commands/index.js').then((m) => m[name]());
const controls = load('controls');
const dlrnReads = load('dlrnReads');

/** One line per top-level verb, the text its module gives the command too. */
export const ABOUT = {
  status: 'where every label stands, its candidates and what each one waits for',
  explain: 'why a hash is or is not promotable to a label (jobs, waivers, hold, soak, window, approval)',
  promote: 'run a promotion pass now (all stages in chain order, or --label ones)',
  'force-promote': 'promote a given hash to a label without checking criteria (artifacts first, DLRN last)',
  approve: 'approve a hash for a label whose stage requires approval',
  unapprove: 'withdraw an approval given to a hash for a label',
  hold: 'freeze a label: no promotion to it until unhold',
  unhold: 'lift a hold; the stage is evaluated at once',
  abort: 'abort the running promotion (artifacts already moved are put back)',
  rollback: 'put a label back to previous-<label>, for every artifact kind (or --kinds)',
  waive: 'let one criteria job count as passed for one hash, for a while',
  unwaive: 'withdraw a waiver before it expires',
  'clear-refusal': 'forget that DLRN refused a hash for a label, so stages consider it again',
  history: "the release controller's audit log: every control with who, from where and why",
  schedule: 'Temporal Schedules that evaluate each release every interval',
  'report-result': 'record a CI vote in DLRN (as dlrnapi report-result) and evaluate the stages it matters to at once',
  promotions: "a label's promotions, newest first (DLRN /api/promotions)",
  'repo-status': 'CI votes on a hash (DLRN /api/repo_status, or /api/agg_status with --agg-hash)',
  shadow: 'shadow mode: judge every label move made by someone else, without writing anything',
  config: 'read release files: resolved settings, conversion',
  completion: 'print a shell completion script (bash): source <(promoter completion bash)',
} as const;

export type Verb = keyof typeof ABOUT;

export const VERBS: Record<Verb, Loader> = {
  status: load('status'),
  explain: load('explain'),
  promote: load('promote'),
  'force-promote': load('forcePromote'),
  approve: controls,
  unapprove: controls,
  hold: controls,
  unhold: controls,
  abort: controls,
  rollback: controls,
  waive: controls,
  unwaive: controls,
  'clear-refusal': controls,
  history: load('history'),
  schedule: load('schedule'),
  'report-result': load('reportResult'),
  promotions: dlrnReads,
  'repo-status': dlrnReads,
  shadow: load('shadow'),
  config: load('config'),
  completion: load('completion'),
};

export const isVerb = (name: string | undefined): name is Verb => name !== undefined && Object.hasOwn(VERBS, name);
