// Entry point of the cdk-blue-green command-line tool (bundled into assets/cli/main.js).
import { runCommandLine } from './command-line';

runCommandLine(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  workingDirectory: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cdk-blue-green: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`
      + 'This is a bug; please report it with the command you ran.\n');
    process.exitCode = 70;
  },
);
