// Checking many migration files on several threads, with the same report as one thread gives.
//
// The file list is cut into batches of consecutive files. Every thread (this one included) claims
// the next unclaimed batch through a shared counter until none is left, so a thread that started
// late or runs on a busy core simply checks fewer batches. A thread reads, parses and checks its
// batches and returns only the per-file results (parse trees are large: shipping them between
// threads cost more than parsing). The one thing a file's findings can depend on outside its own
// text is what earlier files said about columns (SchemaKnowledge). A batch checked on its own
// therefore reports which columns it asked about without knowing them; when an earlier batch
// defined one of those, the batch is checked again, from its cached parse output, continuing what
// the earlier batches established. What a batch learns does not depend on what it started from, so
// one such second pass per batch is enough.
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, loadavg, setPriority } from 'node:os';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { checkMigrationSources, MigrationCheckReport, MigrationFileReport, MigrationSource, verdictOf } from '../migrations/checker';
import { displayName } from '../migrations/migration-files';
import { loadPostgresParser, RawParseOutput } from '../migrations/postgres-parser';
import { SchemaKnowledge } from '../migrations/schema-knowledge';

/**
 * Files that make one more thread worth starting. A worker thread costs about 0.1 s of CPU before it
 * checks anything (Node.js start-up of the thread plus its own copy of the WebAssembly parser), as
 * much as checking about 500 files; with fewer, the work is done before the worker is ready.
 */
export const MIN_FILES_PER_EXTRA_THREAD = 500;
/** More threads than this gain little over their start-up on typical migration sets. */
export const MAX_AUTOMATIC_THREADS = 4;
/** Files per batch: small enough to balance the threads, large enough that claiming one costs nothing. */
export const BATCH_SIZE = 32;

/** Upper bound of --threads. */
export const MAX_THREADS = 16;

/** A migration file that exists but cannot be read. */
export class MigrationReadError extends Error {}

/** What the automatic choice of threads looks at; the defaults read this machine. */
export interface MachineLoad {
  readonly cores: number;
  /** Runnable threads on average over the last minute (0 where the system does not say). */
  readonly loadAverage: number;
}

export function currentMachineLoad(): MachineLoad {
  return { cores: availableParallelism(), loadAverage: loadavg()[0] };
}

/**
 * How many threads check `fileCount` files: `requested` (from --threads) when given, else one more
 * thread per MIN_FILES_PER_EXTRA_THREAD files, up to one per idle core and MAX_AUTOMATIC_THREADS.
 * A core is idle when the load average leaves it so: on a machine whose cores are all busy, the
 * start-up of each worker (about 0.1 s of CPU) costs more than its share of the files saves
 * (measured: 1,000 files took 0.36-0.41 s on 2 threads against 0.27-0.29 s on one at a load of 3.5
 * on 2 cores). Never more threads than batches of files.
 */
export function threadCount(fileCount: number, requested: number | undefined, machine: MachineLoad = currentMachineLoad()): number {
  const idleCores = Math.max(0, Math.round(machine.cores - machine.loadAverage));
  const wanted = requested
    ?? Math.min(machine.cores, 1 + idleCores, MAX_AUTOMATIC_THREADS, 1 + Math.floor(fileCount / MIN_FILES_PER_EXTRA_THREAD));
  return Math.max(1, Math.min(wanted, Math.ceil(fileCount / BATCH_SIZE)));
}

/** Reads the files in order; the first one that cannot be read stops the check with its name. */
export function readSources(files: readonly string[], workingDirectory: string): MigrationSource[] {
  return files.map((file) => {
    const name = displayName(file, workingDirectory);
    try {
      return { file: name, sql: readFileSync(file, 'utf8') };
    } catch (error) {
      // Not `instanceof Error`: errors from Node.js may come from another realm (as under jest).
      const message = (error as { message?: unknown } | undefined)?.message;
      const cause = typeof message === 'string' ? message : String(error);
      throw new MigrationReadError(`cannot read "${name}" (${cause}); make sure the file is readable, or leave it out.`);
    }
  });
}

/** What a worker gets when it starts. */
interface WorkerRequest {
  readonly files: readonly string[];
  readonly workingDirectory: string;
  /** One Int32: the index of the next unclaimed batch. */
  readonly nextBatch: SharedArrayBuffer;
}

/** One batch checked on its own, or why it could not be read. */
type BatchResult =
  | {
    readonly batch: number;
    readonly files: MigrationFileReport[];
    readonly columnFacts: Array<[string, boolean]>;
    readonly unknownColumns: string[];
  }
  | { readonly batch: number; readonly unreadable: string };

/** Batches to check again, each after the column facts of the batches before it. */
interface Rechecks {
  readonly batches: ReadonlyArray<{ readonly batch: number; readonly columnFacts: Array<[string, boolean]> }>;
}

interface Rechecked {
  readonly batches: ReadonlyArray<{ readonly batch: number; readonly files: MigrationFileReport[] }>;
}

/** The batches one thread checked, with their parse output kept for a second pass. */
class BatchChecker {
  private readonly checked = new Map<number, { sources: MigrationSource[]; outputs: RawParseOutput[] }>();

  private constructor(private readonly request: WorkerRequest, private readonly parse: (sql: string) => RawParseOutput) {}

  public static async load(request: WorkerRequest): Promise<BatchChecker> {
    return new BatchChecker(request, await loadPostgresParser());
  }

  /** Claims and checks batches until none is left. */
  public checkClaimedBatches(): BatchResult[] {
    const counter = new Int32Array(this.request.nextBatch);
    const batches = Math.ceil(this.request.files.length / BATCH_SIZE);
    const results: BatchResult[] = [];
    for (let batch = Atomics.add(counter, 0, 1); batch < batches; batch = Atomics.add(counter, 0, 1)) {
      let sources: MigrationSource[];
      try {
        sources = readSources(this.request.files.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE), this.request.workingDirectory);
      } catch (error) {
        if (!(error instanceof MigrationReadError)) throw error;
        results.push({ batch, unreadable: error.message });
        continue;
      }
      const outputs = sources.map((source) => this.parse(source.sql));
      this.checked.set(batch, { sources, outputs });
      const schema = new SchemaKnowledge();
      const report = checkMigrationSources(sources, () => outputs, schema);
      results.push({ batch, files: report.files as MigrationFileReport[], columnFacts: schema.columnFacts(), unknownColumns: schema.unknownColumnsAskedAbout() });
    }
    return results;
  }

  public recheck(batch: number, columnFacts: Array<[string, boolean]>): MigrationFileReport[] {
    const { sources, outputs } = this.checked.get(batch)!;
    return checkMigrationSources(sources, () => outputs, new SchemaKnowledge(columnFacts)).files as MigrationFileReport[];
  }
}

/**
 * Checks `files` on `threads` threads, this one and `threads - 1` workers; `workerScript` is this
 * tool's entry point (see main.ts). With `onlyWorkers`, `threads` workers check every batch (tests
 * use it: on few files this thread would otherwise be done before a worker has started).
 */
export async function checkInThreads(
  files: readonly string[],
  workingDirectory: string,
  threads: number,
  workerScript: string,
  options: { readonly onlyWorkers?: boolean } = {},
): Promise<MigrationCheckReport> {
  const request: WorkerRequest = { files, workingDirectory, nextBatch: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) };
  // Workers start first so that they load their parsers while this thread checks.
  const workers = Array.from({ length: options.onlyWorkers ? threads : threads - 1 }, () => new BatchWorker(workerScript, request));
  try {
    const own = options.onlyWorkers ? undefined : await BatchChecker.load(request);
    const ownResults = own?.checkClaimedBatches() ?? [];
    const workerResults = await Promise.all(workers.map((worker) => worker.results));
    const results = [...ownResults, ...workerResults.flat()].sort((a, b) => a.batch - b.batch);
    for (const result of results) {
      if ('unreadable' in result) throw new MigrationReadError(result.unreadable);
    }

    // The batches whose findings may depend on what the batches before them said about columns.
    const rechecks = new Map<number, Array<[string, boolean]>>();
    const known = new Map<string, boolean>();
    for (const result of results) {
      if ('unreadable' in result) continue;
      if (result.unknownColumns.some((column) => known.has(column))) rechecks.set(result.batch, [...known]);
      for (const [column, notNull] of result.columnFacts) known.set(column, notNull);
    }
    const rechecked = new Map<number, MigrationFileReport[]>();
    for (const { batch } of ownResults) {
      const columnFacts = rechecks.get(batch);
      if (columnFacts) rechecked.set(batch, own!.recheck(batch, columnFacts));
    }
    const answers = await Promise.all(workers.map((worker, index) => worker.finish({
      batches: workerResults[index].filter(({ batch }) => rechecks.has(batch)).map(({ batch }) => ({ batch, columnFacts: rechecks.get(batch)! })),
    })));
    for (const { batch, files: batchFiles } of answers.flatMap((answer) => answer.batches)) rechecked.set(batch, batchFiles);

    const reportFiles = results.flatMap((result) => rechecked.get(result.batch) ?? ('files' in result ? result.files : []));
    return { verdict: verdictOf(reportFiles.flatMap((file) => file.findings)), files: reportFiles };
  } finally {
    for (const worker of workers) worker.stop();
  }
}

/**
 * The main thread's handle on one worker. The worker sends its batch results, then gets the
 * batches to check again (possibly none) and answers with their files unless there are none.
 */
class BatchWorker {
  public readonly results: Promise<BatchResult[]>;
  private readonly worker: Worker;
  private pending: { resolve: (message: unknown) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  /** The worker got its last message and ends by itself. */
  private finished = false;

  constructor(script: string, request: WorkerRequest) {
    this.worker = new Worker(script, { workerData: request });
    this.worker.on('message', (message: unknown) => this.settle((pending) => pending.resolve(message)));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`a checking thread stopped (exit code ${code}) before it reported its files`)));
    this.results = this.answer() as Promise<BatchResult[]>;
  }

  /** Sends the batches to check again (possibly none) and returns their files; then the worker ends. */
  public async finish(rechecks: Rechecks): Promise<Rechecked> {
    const answer = rechecks.batches.length > 0 ? this.answer() as Promise<Rechecked> : Promise.resolve({ batches: [] });
    this.finished = true;
    this.worker.postMessage(rechecks);
    return answer;
  }

  /**
   * Stops waiting for the worker. A finished worker ends by itself; one that never got its last
   * message (the check failed elsewhere) is ended here. Neither keeps the process alive.
   */
  public stop(): void {
    this.worker.removeAllListeners('exit');
    this.worker.unref();
    if (!this.finished) void this.worker.terminate();
  }

  private answer(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.pending = { resolve, reject };
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.settle((pending) => pending.reject(this.failure!));
  }

  private settle(action: (pending: { resolve: (message: unknown) => void; reject: (error: Error) => void }) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }
}

/** The worker side: checks batches until none is left, answers, then checks again what it is asked to. */
export async function runCheckWorker(): Promise<void> {
  const port = parentPort!;
  const request = workerData as WorkerRequest;
  yieldToOtherThreads();
  // Started too late to help: the other threads claimed every batch while this one started.
  const unclaimed = Atomics.load(new Int32Array(request.nextBatch), 0) < Math.ceil(request.files.length / BATCH_SIZE);
  const checker = unclaimed ? await BatchChecker.load(request) : undefined;
  port.postMessage(checker?.checkClaimedBatches() ?? []);
  port.once('message', (rechecks: Rechecks) => {
    if (rechecks.batches.length > 0) {
      // Only batches this thread checked are sent back to it, so it has loaded its checker.
      port.postMessage({
        batches: rechecks.batches.map(({ batch, columnFacts }) => ({ batch, files: checker!.recheck(batch, columnFacts) })),
      } satisfies Rechecked);
    }
    port.close();
  });
}

/**
 * Lowers this worker thread's scheduling priority (Linux: a thread has its own nice value). On an
 * idle core the worker runs as fast as before; on a machine whose cores are busy it takes CPU time
 * from other work, the main thread of this tool included, and costs more than it saves, so there
 * it mostly waits and the main thread claims the batches.
 */
function yieldToOtherThreads(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
  } catch {
    // No /proc/thread-self (not Linux) or not allowed: the worker runs at the normal priority.
  }
}
