/** `ses-bridge`: the command-line face of the bridge. Each command lives in bin/commands/<name>.ts. */
import { UsageError, describeError } from '#lib/errors';
import { type Command, type Io, ExitCode, processIo } from './cli';

// Loaded on demand so `ses-bridge normalize` does not pay for the AWS SDK that `migrate` needs.
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  normalize: { summary: 'print one normalized event per SES record', load: () => import('./commands/normalize') },
  route: { summary: 'show where each record would be delivered, and the exact message', load: () => import('./commands/route') },
  migrate: { summary: 'inventory, plan, apply, verify and roll back the move off cross-account notifications', load: () => import('./commands/migrate') },
  'sns-verify': { summary: 'verify SNS HTTP message signatures offline', load: () => import('./commands/sns-verify') },
  demo: { summary: 'run the bridge over the sample events with the example routes (npm start)', load: () => import('./commands/demo') },
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
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    io.stderr(`ses-bridge: unknown command "${name}"\n\n${usage()}`);
    return ExitCode.usage;
  }
  const { command } = await entry.load();
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
