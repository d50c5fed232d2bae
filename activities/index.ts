// All activities, built from their clients. Tests pass their own clients; the worker uses the defaults.
import { DlrnClient } from '../clients/dlrn.js';
import { DlrnRepoClient } from '../clients/dlrn-repo.js';
import { registryPool } from '../clients/registry.js';
import { createContainerActivities, type ContainerDeps } from './containers.js';
import { createDlrnActivities } from './dlrn.js';
import { createQcowActivities, defaultQcowDeps, type QcowDeps } from './qcow.js';
import { withFailures } from './failure.js';

export interface ActivityDeps {
  dlrnFor: (apiUrl: string) => DlrnClient;
  repoFor: (baseUrl: string) => DlrnRepoClient;
  sftpFor: QcowDeps['sftpFor'];
  registryFor: ContainerDeps['registryFor'];
}

/** One client (and keep-alive pool) per endpoint, made on first use. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = make(key)));
    return v;
  };
}

export function defaultDeps(): ActivityDeps {
  return {
    // Credentials from DLRNAPI_USERNAME / DLRNAPI_PASSWORD[_FILE], read by the worker, never passed in inputs.
    dlrnFor: memo((apiUrl) => DlrnClient.fromEnv(apiUrl)),
    repoFor: memo((baseUrl) => new DlrnRepoClient(baseUrl)),
    sftpFor: defaultQcowDeps().sftpFor,
    registryFor: registryPool().registryFor,
  };
}

export function createActivities(deps: ActivityDeps = defaultDeps()) {
  return withFailures({
    ...createDlrnActivities(deps.dlrnFor, deps.repoFor),
    ...createQcowActivities({ sftpFor: deps.sftpFor }),
    ...createContainerActivities({ registryFor: deps.registryFor }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
