// `promoter abort`: cancel the pass or promotion the release controller runs now (all of it, or only if it
// touches --label). A promotion that has not moved DLRN yet puts container tags and qcow2 links back.
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { abortUpdate } from '../../../workflows/controller-messages.js';
import { controllerHandle } from '../../controller-client.js';
import { loadConfigs, narrow, single, withSession } from '../context.js';
import { patiently } from '../controls.js';
import { actorOptions, actorShape, commonShape, jsonOption, label, parseOptions, releaseOptions } from '../options.js';
import { linkLine, output, uiLink } from '../output.js';

const schema = z.strictObject({ ...commonShape, ...actorShape, label: label.optional() });

export function abortCommand(): Command {
  return actorOptions(
    releaseOptions(
      new Command('abort')
        .description(
          'Abort what the release controller runs now (a pass, force-promotion or rollback); with --label only if ' +
            'it touches that label. Steps not yet done are skipped and undone where DLRN has not moved.',
        )
        .option('-l, --label <label>', 'only a job that touches this target label'),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'abort');
      const cfg = single(narrow(loadConfigs(opts), { labels: opts.label ? [opts.label] : undefined }));
      const out = output(opts.json);
      await withSession(async (session) => {
        // Never start a controller just to abort nothing.
        const handle = controllerHandle(await session.temporal(), cfg);
        let aborted: string[] = [];
        let running = true;
        try {
          const request = { label: opts.label, by: opts.by, why: opts.why };
          ({ aborted } = await patiently(handle.executeUpdate(abortUpdate, { args: [request] }), out, session));
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          running = false;
        }
        const controller = { workflowId: handle.workflowId, running, webUi: uiLink(handle.workflowId) };
        if (out.json) return out.printJson({ controller, aborted });
        if (!running) out.line(`no controller runs for ${cfg.release}/${cfg.distro}: nothing to abort`);
        else
          out.line(
            aborted.length ? `aborted the job on ${aborted.join(', ')}` : 'nothing was running: nothing aborted',
          );
        out.line(linkLine(out, 'controller', handle.workflowId));
      });
    });
}
