// Entry point of the cdk-blue-green command-line tool (bundled into assets/cli/main.js).
import { setFlagsFromString } from 'node:v8';
import { runCommandLine } from './command-line';

// The PostgreSQL parser is a large WebAssembly module. By default V8 re-compiles its hot functions
// with the optimising compiler (TurboFan); for the few thousand parse calls of one run that costs far
// more than it saves (a 1,000-file check spent about 3/4 of its parse time on it). The CLI owns its
// process, so it keeps the baseline compiler only; this must happen before libpg-query is loaded.
setFlagsFromString('--liftoff-only');

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
