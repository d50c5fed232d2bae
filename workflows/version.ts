// The workflow code's version: the Build ID of the Worker Deployment Version the worker registers, and the folder of
// recorded histories (test/replay/histories/<WORKFLOW_VERSION>/) that the replay test holds this code to.
//
// The deploy rule (README "Deploying workflow changes"): every workflow runs PINNED to the version it started on.
// - A change that replays every recorded history of this version keeps WORKFLOW_VERSION (guard new commands with
//   patched()); workers of the same Build ID can be replaced one by one.
// - A change that cannot replay them bumps WORKFLOW_VERSION: new workers register a new version, it is made current,
//   running promotions finish on the old workers (pinned), and the long-lived release controller continues as new
//   onto the new version when it sees targetWorkerDeploymentVersionChanged. Old workers stop once their version has
//   drained. Histories of older versions stay committed, never rewritten.
// v0 was the unversioned code before deployments; v1 rewrote the controller and the promotion saga.
export const WORKFLOW_VERSION = 'v1';
