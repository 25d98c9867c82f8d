import { runCheckMigrations } from './check-migrations-command';

/** Where a command writes and what it resolves relative paths against. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly workingDirectory: string;
  /**
   * The script that starts this tool, when it can run in worker threads (see main.ts); without it
   * every command stays on one thread.
   */
  readonly workerScript?: string;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

interface Command {
  readonly name: string;
  readonly summary: string;
  readonly run: (args: readonly string[], io: CommandIo) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  {
    name: 'check-migrations',
    summary: 'Check SQL migrations for statements that break the running version during a blue-green release.',
    run: runCheckMigrations,
  },
];

export const USAGE = [
  'Usage: cdk-blue-green <command> [options]',
  '',
  'Commands:',
  ...COMMANDS.map((command) => `  ${command.name.padEnd(18)} ${command.summary}`),
  '',
  'Run `cdk-blue-green <command> --help` for the options of a command.',
].join('\n');

/** Runs one invocation of the tool and returns its exit code. */
export async function runCommandLine(args: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`cdk-blue-green: unknown command "${name}"; the commands are: ${COMMANDS.map((c) => c.name).join(', ')}.\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  return command.run(rest, io);
}
