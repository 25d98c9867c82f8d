// Entry point of the cdk-blue-green command-line tool (bundled into assets/cli/main.js).
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { runCommandLine } from './command-line';
import { runCheckWorker } from './threaded-check';
import { writeOutput } from './write-output';

// V8 is tuned for long-running programs; this command is a short batch job, and the CLI owns its
// process. Both settings must be made before libpg-query is loaded and the checker first runs.
// - The PostgreSQL parser is a large WebAssembly module. Re-compiling its hot functions with the
//   optimising compiler (TurboFan) costs far more than it saves over a few thousand parse calls:
//   keeping the baseline compiler cut the parse time of 1,000 files to about a third.
// - JavaScript functions are optimised once they have run a budget of bytecode (66 to 132 KB,
//   depending on the V8 version). Optimising the checker's functions that early cost more CPU than it
//   saved; with a 512 KB budget only those that stay hot are optimised (1,000 files: about a third
//   less CPU; 5,000 files: about 15 % less).
// V8 flags belong to the process: the worker threads that check files in parallel use them too, so
// only the main thread sets them. (A worker thread started after flags change takes 55-80 ms to
// start instead of 25-30, as V8 then refuses the compiled code Node.js keeps for its own modules;
// waiting for the workers before tuning measured no faster: the parser's compile then waits too.)
if (isMainThread) {
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--interrupt-budget=524288');
}

if (isMainThread) {
  runCommandLine(process.argv.slice(2), {
    stdout: (text) => writeOutput(1, text),
    stderr: (text) => writeOutput(2, text),
    workingDirectory: process.cwd(),
    // The bundle is one file: its worker threads run it again and take the other branch. Run from
    // its TypeScript source (tsx), Node.js could not start a worker from it: one thread then.
    workerScript: __filename.endsWith('.js') ? __filename : undefined,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      writeOutput(2, `cdk-blue-green: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`
        + 'This is a bug; please report it with the command you ran.\n');
      process.exitCode = 70;
    },
  );
} else {
  // A worker thread started by CheckingThreads; an error it throws reaches the main thread.
  void runCheckWorker();
}
