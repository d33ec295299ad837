// The `slipway` command line: commander wiring of every topic, and the one place that turns
// failures into a message on stderr and an exit code.
import { Command, CommanderError } from 'commander';
import { CommandContext } from './context.js';
import { bashCompletion, completionTree, zshCompletion } from './completion.js';
import { CliError } from './errors.js';
import { brandedVariables } from './config.js';
import { registerInfraCommands } from './infra.js';
import type { CliIo } from './io.js';
import { registerAccessCommands } from './topics/access.js';
import { registerAddonCommands } from './topics/addons.js';
import { registerAddonClientCommands } from './topics/addon-clients.js';
import { registerAddonPlanChangeCommands } from './topics/addon-plan-change.js';
import { registerPartnerAddonCommands } from './topics/partner-addons.js';
import { registerPgBackupCommands } from './topics/pg-backups.js';
import { registerAppCommands } from './topics/apps.js';
import { registerTeamCommands } from './topics/teams.js';
import { registerAuthCommands } from './topics/auth.js';
import { registerAuditCommands } from './topics/audit.js';
import { registerPlanCommands } from './topics/plans.js';
import { registerUsageCommands } from './topics/usage.js';
import { registerMetricsCommands } from './topics/metrics.js';
import { registerAlertCommands } from './topics/alerts.js';
import { registerBuildCommands } from './topics/builds.js';
import { registerCertCommands } from './topics/certs.js';
import { registerBuildpackCommands } from './topics/buildpacks.js';
import { registerConfigCommands } from './topics/config-vars.js';
import { registerContainerCommands } from './topics/container.js';
import { registerDomainCommands } from './topics/domains.js';
import { registerDrainCommands } from './topics/drains.js';
import { registerGitCommands } from './topics/git.js';
import { registerHostCommands } from './topics/hosts.js';
import { registerLogCommands } from './topics/logs.js';
import { registerPsCommands } from './topics/ps.js';
import { registerReleaseCommands } from './topics/releases.js';
import { registerStackCommands } from './topics/stacks.js';
import { registerMaintenanceCommands } from './topics/maintenance.js';
import { registerFeatureCommands } from './topics/features.js';
import { registerRunCommand } from './topics/run.js';
import { registerTokenCommands } from './topics/tokens.js';
import { registerUserCommands } from './topics/users.js';

export function createProgram(ctx: CommandContext): Command {
  const program = new Command(ctx.command)
    .description(`${ctx.platform}: git push to deploy, scale from the command line`)
    .exitOverride()
    .configureOutput({ writeOut: (text) => ctx.io.stdout(text), writeErr: (text) => ctx.io.stderr(text) })
    .showHelpAfterError(`(run ${ctx.command} --help for the commands)`);
  // subcommands inherit the settings above: they print through ctx.io and throw instead of exiting
  for (const register of [
    registerAuthCommands,
    registerAppCommands,
    registerAccessCommands,
    registerTeamCommands,
    registerPsCommands,
    registerConfigCommands,
    registerReleaseCommands,
    registerStackCommands,
    registerMaintenanceCommands,
    registerFeatureCommands,
    registerRunCommand,
    registerBuildCommands,
    registerContainerCommands,
    registerBuildpackCommands,
    registerDomainCommands,
    registerCertCommands,
    registerLogCommands,
    registerDrainCommands,
    registerAddonCommands,
    registerAddonClientCommands,
    registerAddonPlanChangeCommands,
    registerPartnerAddonCommands,
    registerPgBackupCommands,
    registerGitCommands,
    registerHostCommands,
    registerUserCommands,
    registerAuditCommands,
    registerPlanCommands,
    registerUsageCommands,
    registerMetricsCommands,
    registerAlertCommands,
    registerTokenCommands,
  ]) {
    register(program, ctx);
  }
  program
    .command('completion')
    .description(`print a shell completion script: eval "$(${ctx.command} completion bash)" (or zsh)`)
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`completion: ${JSON.stringify(shell)} is not bash or zsh.`);
      const tree = completionTree(program);
      ctx.io.stdout(shell === 'bash' ? bashCompletion(tree, ctx.command) : zshCompletion(tree, ctx.command));
    });
  // operators' `infra preview|up|destroy` (Pulumi, AWS): cli/infra.ts
  registerInfraCommands(program, { settings: ctx.io.infra, stdout: ctx.io.stdout, stderr: ctx.io.stderr });
  // help names the variables this CLI reads (a branded CLI's own)
  const brandHelp = (command: Command) => {
    for (const option of command.options) option.description = brandedVariables(option.description, ctx.io.config.brand);
    command.commands.forEach(brandHelp);
  };
  brandHelp(program);
  return program;
}

/** Runs one command line (without the node and script words); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CommandContext(io);
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode ?? 0;
  } catch (err) {
    // commander has already printed its own message (usage errors) or the help
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      io.stderr(`Error: ${brandedVariables(err.message, io.config.brand)}\n`);
      return err.exitCode;
    }
    // a bug, not the user's doing: the message only (a stack helps nobody at the prompt)
    io.stderr(`Error: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
