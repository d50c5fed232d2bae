// All activities, built from their clients. Tests pass their own clients; the worker uses the defaults.
import { DlrnClient } from '../integrations/dlrn.js';
import { DlrnRepoClient } from '../integrations/dlrn-repo.js';
import { boundImageServer, dlrnCredentialsFor } from '../integrations/credentials.js';
import { registryPool } from '../integrations/registry.js';
import { createContainerActivities, type ContainerDeps } from './containers.js';
import { createDlrnActivities } from './dlrn.js';
import { createDecideActivities } from './decide.js';
import { createDlrnPromoteActivities } from './dlrn-promote.js';
import { createQcowActivities, defaultQcowDeps, type QcowDeps } from './qcow.js';
import { withFailures } from './failure.js';
import { createShadowActivities } from './shadow.js';
import { createTemporalActivities } from './temporal.js';
import { createConfigActivities } from './config.js';
import { createNotifyActivities } from './notify.js';
import { connectClient } from '../client/connection.js';
import type { Client } from '@temporalio/client';

export interface ActivityDeps {
  dlrnFor: (apiUrl: string) => DlrnClient;
  repoFor: (baseUrl: string) => DlrnRepoClient;
  sftpFor: QcowDeps['sftpFor'];
  registryFor: ContainerDeps['registryFor'];
  /** The worker's own Temporal client, for signal-with-start from a schedule tick. */
  temporalClient: () => Promise<Client>;
  /** Where the worker reads release files (PROMOTER_CONFIG_DIR): the configuration's one authority. */
  configDir: string;
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

/** Made on first use and shared; a failed attempt is forgotten, so the next call tries again. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () =>
    (p ??= make().catch((err: unknown) => {
      p = undefined;
      throw err;
    }));
}

export function defaultDeps(): ActivityDeps {
  return {
    // Credentials from the worker's PROMOTER_CREDENTIALS binding of the API host (else DLRNAPI_USERNAME /
    // DLRNAPI_PASSWORD[_FILE]), never passed in inputs.
    dlrnFor: memo((apiUrl) => new DlrnClient({ baseUrl: apiUrl, ...dlrnCredentialsFor(apiUrl) })),
    repoFor: memo((baseUrl) => new DlrnRepoClient(baseUrl)),
    sftpFor: (server) => defaultQcowDeps().sftpFor(boundImageServer(server)),
    registryFor: registryPool().registryFor,
    temporalClient: once(() => connectClient()),
    configDir: process.env.PROMOTER_CONFIG_DIR ?? 'config/sandbox',
  };
}

export function createActivities(deps: ActivityDeps = defaultDeps()) {
  const temporal = createTemporalActivities(deps.temporalClient);
  return withFailures({
    ...createDlrnActivities(deps.dlrnFor),
    ...createDecideActivities(deps.dlrnFor),
    // The DLRN commit asks the controller for holds itself, with its reads right before the POST.
    ...createDlrnPromoteActivities(deps.dlrnFor, deps.repoFor, { holdOf: temporal.checkControls }),
    ...createQcowActivities({ sftpFor: deps.sftpFor }),
    ...createContainerActivities({ registryFor: deps.registryFor }),
    ...temporal,
    ...createShadowActivities(deps.dlrnFor),
    ...createConfigActivities(deps.configDir),
    ...createNotifyActivities(),
  });
}

export type Activities = ReturnType<typeof createActivities>;
