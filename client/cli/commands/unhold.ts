// `promoter unhold`: lift a hold set with `promoter hold`; the controller evaluates the label at once. Refused (exit 2)
// when the label is not held.
import { holdCommandFor } from './hold.js';

export const unholdCommand = () => holdCommandFor('unhold', 'Lift the hold of a label and evaluate it at once.');
