// What a workflow ID says about its release, distro, label and hash (see promotion.ts for the ID shapes), so every
// log line and metric of a stage or promotion can name them without widening any input. Pure.
export interface WorkflowIdParts {
  release: string;
  distro: string;
  label?: string;
  full_hash?: string;
}

const SHAPES: Record<string, (keyof WorkflowIdParts)[]> = {
  promotion: ['release', 'distro', 'label', 'full_hash'],
  stage: ['release', 'distro', 'label'],
  release: ['release', 'distro'],
  shadow: ['release', 'distro'],
};

/** null for an ID that is none of the promoter's shapes (a schedule tick, a test's own ID). */
export function workflowIdParts(workflowId: string | undefined): WorkflowIdParts | null {
  if (!workflowId) return null;
  const [kind, ...rest] = workflowId.split('/');
  const keys = SHAPES[kind!];
  // A release pass started by hand may carry a suffix (release/<r>/<d>/<run>): the leading parts still hold.
  if (!keys || rest.length < keys.length || (kind !== 'release' && rest.length !== keys.length)) return null;
  if (rest.slice(0, keys.length).some((p) => p === '')) return null;
  return Object.fromEntries(keys.map((k, i) => [k, rest[i]!])) as unknown as WorkflowIdParts;
}
