// Placeholder for the hold check a promotion makes right before its DLRN commit. The controller helper implements
// checkControls in activities/temporal.ts (answered from the controller's gateQuery); until then: no hold.
import type { GateAnswer } from '../workflows/contract.js';

export interface CheckControlsInput {
  release: string;
  distro: string;
  label: string;
}

export function createControlsActivities() {
  return {
    async checkControls(_input: CheckControlsInput): Promise<GateAnswer> {
      return { hold: null };
    },
  };
}
