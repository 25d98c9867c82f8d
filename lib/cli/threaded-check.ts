// Checking many migration files on several threads, with the same report as one thread gives.
//
// This thread reads the files; the list is cut into batches of consecutive files. This thread
// checks batches from the front, in order, exactly as a single thread would; the worker threads
// claim batches from the end until the two meet, so a thread that started late or runs on a busy
// core simply checks fewer batches. A worker parses and checks its batches and returns only the
// per-file results (parse trees are large: shipping them between threads cost more than parsing).
// The one thing a file's findings can depend on outside its own text is what earlier files said
// about columns (SchemaKnowledge). A worker checks each batch on its own and reports which of its
// files asked about columns without knowing them; when an earlier batch defined one of those, those
// files are checked again, from the cached parse output, continuing what the earlier batches
// established (the batch's other files are only learnt from). What a batch learns does not depend
// on what it started from, so one second pass is enough.
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, loadavg, setPriority } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import {
  checkMigrationSources, MigrationCheckReport, MigrationFileReport, MigrationSource, recheckMigrationFiles, verdictOf,
} from '../migrations/checker';
import { displayName } from '../migrations/migration-files';
import {
  CompiledWasmModule, compiledPostgresParser, loadPostgresParser, preloadPostgresParserCode, RawParseOutput,
} from '../migrations/postgres-parser';
import { ColumnFact, laterColumnFact, SchemaKnowledge } from '../migrations/schema-knowledge';

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
  /**
   * How many cores other work keeps busy: on Linux, the threads ready to run at this moment (from
   * /proc/loadavg) other than this one; elsewhere the load average of the last minute.
   */
  readonly busy: number;
}

export function currentMachineLoad(): MachineLoad {
  return { cores: availableParallelism(), busy: runnableOtherThreads() ?? loadavg()[0] };
}

/**
 * Threads ready to run on the whole system right now, this one excluded; undefined where the
 * system does not say. The load average would lag by a minute: a benchmark or a build that just
 * ended would keep the checker on one thread on an idle machine, and work that just started would
 * not count.
 */
function runnableOtherThreads(): number | undefined {
  try {
    // "0.52 0.58 0.59 2/480 12345": the fourth field is running/total scheduling entities.
    const running = Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[3]?.split('/')[0]);
    return Number.isInteger(running) && running >= 1 ? running - 1 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many threads check `fileCount` files: `requested` (from --threads) when given, else one more
 * thread per MIN_FILES_PER_EXTRA_THREAD files, up to one per idle core and MAX_AUTOMATIC_THREADS.
 * A core is idle when other work leaves it so: on a machine whose cores are all busy, the start-up
 * of each worker costs more than its share of the files saves (measured: 1,000 files took
 * 0.36-0.41 s on 2 threads against 0.27-0.29 s on one at a load of 3.5 on 2 cores). Never more
 * threads than batches of files.
 */
export function threadCount(fileCount: number, requested: number | undefined, machine: MachineLoad = currentMachineLoad()): number {
  const idleCores = Math.max(0, Math.round(machine.cores - machine.busy));
  const wanted = requested
    ?? Math.min(machine.cores, idleCores, MAX_AUTOMATIC_THREADS, 1 + Math.floor(fileCount / MIN_FILES_PER_EXTRA_THREAD));
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

/** What a worker is asked to check, sent once the files are read. */
interface WorkerRequest {
  readonly sources: readonly MigrationSource[];
  /** Who checks which batch (see claimsFor). */
  readonly claims: SharedArrayBuffer;
  /**
   * The parser's WebAssembly module as this thread compiled it: a worker instantiates it instead of
   * compiling its own (the compiled code is shared between threads).
   */
  readonly parser: CompiledWasmModule;
}

/** One batch checked on its own. */
interface BatchResult {
  readonly batch: number;
  readonly files: MigrationFileReport[];
  /** What the batch's files say about columns, at its end. */
  readonly columnFacts: Array<[string, ColumnFact]>;
  /**
   * The files (by index in the batch) that asked about columns nothing before them in the batch
   * defined, with those columns: the only ones whose findings may change once the batches before
   * are known.
   */
  readonly unknownColumns: Array<[number, string[]]>;
}

/** Files to check again, each batch's after the column facts of the batches before it. */
interface Rechecks {
  readonly batches: readonly BatchRecheck[];
}

interface BatchRecheck {
  readonly batch: number;
  /** Indexes in the batch. */
  readonly files: readonly number[];
  /** What the batches before said about the columns those files asked about. */
  readonly columnFacts: Array<[string, ColumnFact]>;
}

interface Rechecked {
  readonly batches: ReadonlyArray<{ readonly batch: number; readonly files: Array<[number, MigrationFileReport]> }>;
}

/**
 * Who checks which batch. One Int32 per batch (0 unclaimed, 1 claimed), then the next batch from the
 * end: this thread claims batches from the front, in order, and the workers from the end, until
 * they meet (compare-and-exchange on a batch's slot settles a tie).
 */
function claimsFor(batches: number): SharedArrayBuffer {
  const claims = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (batches + 1));
  Atomics.store(new Int32Array(claims), batches, batches);
  return claims;
}

/** The batches one thread checked; a worker keeps their parse output for a second pass. */
class BatchChecker {
  private readonly checked = new Map<number, RawParseOutput[]>();
  private readonly batches: number;
  private readonly claims: Int32Array;

  constructor(private readonly request: WorkerRequest, private readonly parse: (sql: string) => RawParseOutput) {
    this.batches = Math.ceil(request.sources.length / BATCH_SIZE);
    this.claims = new Int32Array(request.claims);
  }

  /**
   * This thread's part: batches from the front, in order, with one SchemaKnowledge, as one thread
   * would check them: its findings are final. The last batch carries what they all said about columns.
   */
  public checkFromFront(): BatchResult[] {
    const schema = new SchemaKnowledge();
    const results: BatchResult[] = [];
    for (let batch = 0; batch < this.batches && Atomics.compareExchange(this.claims, batch, 0, 1) === 0; batch++) {
      const sources = this.sourcesOf(batch);
      const outputs = sources.map((source) => this.parse(source.sql));
      results.push({ batch, files: checkMigrationSources(sources, () => outputs, schema).files as MigrationFileReport[], columnFacts: [], unknownColumns: [] });
    }
    if (results.length > 0) results[results.length - 1] = { ...results[results.length - 1], columnFacts: schema.columnFacts() };
    return results;
  }

  /** A worker's part: batches from the end, each on its own (see rechecksOf). */
  public checkFromBack(): BatchResult[] {
    const results: BatchResult[] = [];
    for (;;) {
      const batch = Atomics.sub(this.claims, this.batches, 1) - 1;
      if (batch < 0 || Atomics.compareExchange(this.claims, batch, 0, 1) !== 0) break; // the front reached it
      const sources = this.sourcesOf(batch);
      const outputs = sources.map((source) => this.parse(source.sql));
      this.checked.set(batch, outputs);
      const schema = new SchemaKnowledge();
      const files: MigrationFileReport[] = [];
      const unknownColumns: Array<[number, string[]]> = [];
      sources.forEach((source, index) => {
        files.push(checkMigrationSources([source], () => [outputs[index]], schema).files[0]);
        const asked = schema.takeUnknownColumnsAsked();
        if (asked.length > 0) unknownColumns.push([index, asked]);
      });
      results.push({ batch, files, columnFacts: schema.columnFacts(), unknownColumns });
    }
    return results;
  }

  public recheck({ batch, files, columnFacts }: BatchRecheck): Array<[number, MigrationFileReport]> {
    return [...recheckMigrationFiles(this.sourcesOf(batch), this.checked.get(batch)!, new Set(files), new SchemaKnowledge(columnFacts))];
  }

  private sourcesOf(batch: number): readonly MigrationSource[] {
    return this.request.sources.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE);
  }
}

/**
 * The files to check again: those that asked about a column that a batch before theirs defined.
 * Walks the batches in order, so `known` holds what all the batches before the current one said.
 */
function rechecksOf(results: readonly BatchResult[]): Map<number, BatchRecheck> {
  const rechecks = new Map<number, BatchRecheck>();
  const known = new Map<string, ColumnFact>();
  for (const result of results) {
    const files: number[] = [];
    const columnFacts = new Map<string, ColumnFact>();
    for (const [file, columns] of result.unknownColumns) {
      const definedBefore = columns.filter((column) => known.has(column));
      if (definedBefore.length === 0) continue;
      files.push(file);
      for (const column of definedBefore) columnFacts.set(column, known.get(column)!);
    }
    if (files.length > 0) rechecks.set(result.batch, { batch: result.batch, files, columnFacts: [...columnFacts] });
    for (const [column, fact] of result.columnFacts) known.set(column, laterColumnFact(known.get(column), fact));
  }
  return rechecks;
}

/**
 * Worker threads that check files beside this one. Start them as early as possible: a thread takes
 * tens of milliseconds to start Node.js (see main.ts), time in which this thread lists and reads
 * the files and begins to check them.
 */
export class CheckingThreads {
  /** Starts `count` workers running `workerScript`, this tool's entry point (see main.ts). */
  public static start(count: number, workerScript: string): CheckingThreads {
    const threads = new CheckingThreads(workerScript);
    threads.resize(count);
    return threads;
  }

  private readonly workers: BatchWorker[] = [];

  private constructor(private readonly workerScript: string) {}

  /** Starts or ends workers so that there are `count`. */
  public resize(count: number): void {
    while (this.workers.length < count) this.workers.push(new BatchWorker(this.workerScript));
    for (const spare of this.workers.splice(count)) spare.stop();
  }

  /**
   * Checks `sources` on `threads` threads, this one and `threads - 1` workers (started now if fewer
   * were started before). With `onlyWorkers`, `threads` workers check every batch (tests use it: on
   * few files this thread would otherwise be done before a worker has started). Ends every worker.
   */
  public async check(
    sources: readonly MigrationSource[], threads: number, options: { readonly onlyWorkers?: boolean } = {},
  ): Promise<MigrationCheckReport> {
    this.resize(options.onlyWorkers ? threads : threads - 1);
    const workers = this.workers;
    try {
      // The workers instantiate the module this thread compiled while this thread instantiates its own.
      const request: WorkerRequest = {
        sources, claims: claimsFor(Math.ceil(sources.length / BATCH_SIZE)), parser: await compiledPostgresParser(),
      };
      for (const worker of workers) worker.assign(request);
      const ownResults = options.onlyWorkers ? [] : new BatchChecker(request, await loadPostgresParser()).checkFromFront();
      const workerResults = await Promise.all(workers.map((worker) => worker.results));
      const results = [...ownResults, ...workerResults.flat()].sort((a, b) => a.batch - b.batch);

      // Only the workers' batches can need a second pass: this thread's were checked in order.
      const rechecks = rechecksOf(results);
      const answers = await Promise.all(workers.map((worker, index) => worker.finish({
        batches: workerResults[index].flatMap(({ batch }) => rechecks.get(batch) ?? []),
      })));
      const rechecked = new Map<number, Array<[number, MigrationFileReport]>>();
      for (const { batch, files: batchFiles } of answers.flatMap((answer) => answer.batches)) rechecked.set(batch, batchFiles);

      const reportFiles = results.flatMap((result) => {
        const files = [...result.files];
        for (const [index, file] of rechecked.get(result.batch) ?? []) files[index] = file;
        return files;
      });
      return { verdict: verdictOf(reportFiles.flatMap((file) => file.findings)), files: reportFiles };
    } finally {
      this.stop();
    }
  }

  /** Ends the workers (those that finished their work end by themselves); none keeps the process alive. */
  public stop(): void {
    for (const worker of this.workers.splice(0)) worker.stop();
  }
}

/** Checks `sources` on `threads` threads with workers started now; see CheckingThreads.check. */
export async function checkInThreads(
  sources: readonly MigrationSource[], threads: number, workerScript: string, options: { readonly onlyWorkers?: boolean } = {},
): Promise<MigrationCheckReport> {
  return CheckingThreads.start(0, workerScript).check(sources, threads, options);
}

/**
 * The main thread's handle on one worker. Once assigned a request, the worker sends its batch
 * results, then gets the batches to check again (possibly none) and answers with their files
 * unless there are none.
 */
class BatchWorker {
  private readonly worker: Worker;
  private pendingResults: Promise<BatchResult[]> | undefined;
  private pending: { resolve: (message: unknown) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  /** The worker got its last message and ends by itself. */
  private finished = false;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.on('message', (message: unknown) => this.settle((pending) => pending.resolve(message)));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`a checking thread stopped (exit code ${code}) before it reported its files`)));
  }

  /** What the worker checked of the request it was assigned. */
  public get results(): Promise<BatchResult[]> {
    if (!this.pendingResults) throw new Error('a checking thread was asked for results before it was given files');
    return this.pendingResults;
  }

  public assign(request: WorkerRequest): void {
    this.pendingResults = this.answer() as Promise<BatchResult[]>;
    this.worker.postMessage(request);
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
   * message (not needed, or the check failed elsewhere) is ended here. Neither keeps the process alive.
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

/**
 * The worker side: waits for its request, checks batches until none is left, answers, then checks
 * again what it is asked to.
 */
export async function runCheckWorker(): Promise<void> {
  const port = parentPort!;
  yieldToOtherThreads();
  // The parser's JavaScript half loads while the request is on its way (it does not compile anything).
  preloadPostgresParserCode();
  const request = await new Promise<WorkerRequest>((resolve) => port.once('message', resolve));
  // Started too late to help: the other threads claimed every batch while this one started.
  const claims = new Int32Array(request.claims);
  const back = Atomics.load(claims, Math.ceil(request.sources.length / BATCH_SIZE));
  const unclaimed = back > 0 && Atomics.load(claims, back - 1) === 0;
  const checker = unclaimed ? new BatchChecker(request, await loadPostgresParser(request.parser)) : undefined;
  port.postMessage(checker?.checkFromBack() ?? []);
  port.once('message', (rechecks: Rechecks) => {
    if (rechecks.batches.length > 0) {
      // Only batches this thread checked are sent back to it, so it has loaded its checker.
      port.postMessage({
        batches: rechecks.batches.map((recheck) => ({ batch: recheck.batch, files: checker!.recheck(recheck) })),
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
