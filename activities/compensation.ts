// The failure a compensation throws when it could not put everything back: retryable (unless nothing left is
// fixable by a retry), so the saga's patient retry policy tries again (every tag or link is handled on its own and idempotently), and naming
// what stays ahead of DLRN for the PromotionResult once the retries run out.
import { ApplicationFailure } from '@temporalio/common';

export const COMPENSATION_INCOMPLETE = 'CompensationIncomplete';

export interface CompensationIncompleteDetails {
  /** "<registry>/<image>:<label> -> <digest>" / "qcow2 <label> -> <hash>": what still points ahead. */
  leftAhead: string[];
  /** The subset no retry can fix (a registry that cannot delete a tag, a previous manifest garbage collected). */
  unrestorable: string[];
  /** Why, one line per entry that failed, in the order of leftAhead. */
  reasons: string[];
}

export function compensationIncomplete(what: string, details: CompensationIncompleteDetails): ApplicationFailure {
  const n = details.leftAhead.length;
  const shown =
    details.leftAhead
      .slice(0, 5)
      .map((entry, i) => `${entry} (${details.reasons[i]})`)
      .join('; ') + (n > 5 ? `; … (${n - 5} more)` : '');
  return ApplicationFailure.create({
    type: COMPENSATION_INCOMPLETE,
    message: `${what}: ${n} could not be put back: ${shown}`,
    // Retrying cannot fix what is unrestorable (a registry that cannot delete tags): say so at once.
    nonRetryable: details.unrestorable.length === n,
    details: [details],
  });
}
