// promoter config show|convert: what a release file (the old promoter's YAML with its layers, or INI) resolves to,
// the artifact kinds it promotes and its warnings; or the same as one release file in rdo-promoter's keys.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { loadReleaseConfig } from '../../domain/config-file.js';
import { convertReport } from '../../domain/config-convert.js';
import { artifactKinds } from '../../domain/promotion.js';
import { action, printJson } from '../cli-kit.js';

export function register(program: Command): void {
  const config = program.command('config').description(ABOUT.config);
  config
    .command('show <file>')
    .description('the resolved configuration, the artifact kinds it promotes and every warning')
    .option('--json', 'machine-readable output')
    .action(
      action(async (file: string, o: { json?: boolean }) => {
        const cfg = loadReleaseConfig(file);
        const kinds = artifactKinds(cfg);
        if (o.json) return printJson({ config: cfg, kinds, warnings: cfg.warnings });
        console.log(
          `${cfg.release}/${cfg.distro}: promotes ${kinds.join(', ')} (${cfg.hashKind} hashes, from ${cfg.hashKindFrom})`,
        );
        console.log(`layers: ${cfg.layers.join(' < ')}`);
        console.log(`DLRN API ${cfg.apiUrl}, repos ${cfg.baseUrl}`);
        for (const p of cfg.promotions)
          console.log(`  ${p.candidateLabel} -> ${p.targetLabel}: ${p.criteria.length} criteria jobs`);
        if (cfg.warnings.length > 0) console.log(`warnings:\n${cfg.warnings.map((w) => `  - ${w}`).join('\n')}`);
        console.log(JSON.stringify(cfg, null, 2));
      }),
    );
  config
    .command('convert <file>')
    .description("print the file as one release file in rdo-promoter's keys, with what changes in behaviour")
    .action(
      action(async (file: string) => {
        process.stdout.write(convertReport(loadReleaseConfig(file)));
      }),
    );
}
