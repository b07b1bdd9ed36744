/** `ses-bridge`: the command-line face of the bridge. Each command lives in bin/commands/<name>.ts. */
import { UsageError, describeError } from '#lib/errors';
import { type Command, type Io, ExitCode, processIo } from './cli';

// Loaded on demand so `ses-bridge normalize` does not pay for the AWS SDK that `migrate` needs.
const COMMANDS: Record<string, () => Command> = {
  normalize: () => require('./commands/normalize').command,
  route: () => require('./commands/route').command,
  migrate: () => require('./commands/migrate').command,
  'sns-verify': () => require('./commands/sns-verify').command,
  demo: () => require('./commands/demo').command,
};

function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => `  ${name.padEnd(12)} ${COMMANDS[name]!().summary}`);
  return [
    'Usage: ses-bridge <command> [options]',
    '',
    'Normalize, route and migrate Amazon SES feedback (bounces, complaints, deliveries and the other event types).',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'ses-bridge <command> --help' for a command's options.",
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
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr(`ses-bridge: unknown command "${name}"\n\n${usage()}`);
    return ExitCode.usage;
  }
  const command = load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ses-bridge ${name}: ${err.message}\n\n${command.usage}`);
      return ExitCode.usage;
    }
    io.stderr(`ses-bridge ${name}: ${describeError(err)}\n`);
    return ExitCode.usage;
  }
}
