/** `ses-bridge`: the command-line face of the bridge. Each command lives in bin/commands/<name>.ts. */
import { describeError, UsageError } from '#lib/errors';
import { type Command, ExitCode, type Io, processIo, version } from './cli';
import { command as demoCommand } from './commands/demo';
import { command as migrateCommand } from './commands/migrate';
import { command as normalizeCommand } from './commands/normalize';
import { command as redriveCommand } from './commands/redrive';
import { command as routeCommand } from './commands/route';
import { command as snsVerifyCommand } from './commands/sns-verify';

const COMMANDS: Record<string, Command> = {
  normalize: normalizeCommand,
  route: routeCommand,
  'sns-verify': snsVerifyCommand,
  migrate: migrateCommand,
  demo: demoCommand,
  redrive: redriveCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`);
  return [
    'Usage: ses-bridge <command> [options]',
    '',
    'Normalize, route and migrate Amazon SES feedback (bounces, complaints, deliveries and the other event types).',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'ses-bridge <command> --help' for a command's options; 'ses-bridge --version' for the version.",
    '',
  ].join('\n');
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`ses-bridge ${version()}\n`);
    return ExitCode.ok;
  }
  const command: Command | undefined = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option "${name}"` : `unknown command "${name}"`;
    io.stderr(`ses-bridge: ${what}; see 'ses-bridge --help'\n`);
    return ExitCode.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // The problem and where to look, not the whole help: the one useful line stays in sight.
    if (err instanceof UsageError) {
      io.stderr(`ses-bridge ${name}: ${err.message}\nsee 'ses-bridge ${name} --help'\n`);
      return ExitCode.usage;
    }
    io.stderr(`ses-bridge ${name}: ${describeError(err)}\n`);
    return ExitCode.usage;
  }
}
