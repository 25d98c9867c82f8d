// Checking many migration files on several threads, with the same report as one thread gives.
//
// This thread reads the files; the list is cut into batches of consecutive files. This thread
// checks batches from the front, in order, exactly as a single thread would; the worker threads
// claim batches from the end until the two meet, so a thread that started late or runs on a busy
// core simply checks fewer batches. A worker parses and checks its batches and returns only the
// per-file results (parse trees are large: shipping them between threads cost more than parsing).
// The one thing a file's findings can depend on outside its own text is what earlier files said
// about columns (SchemaKnowledge). A worker checks each batch on its own and reports, for each file
// that asked about a column nothing before it in the batch defined, the answers it got. When an
// earlier batch did define one, this thread checks that file again (a few files: most never ask),
// starting from those answers completed by the earlier batches.
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, loadavg, setPriority } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import {
  checkMigrationSources, MigrationCheckReport, MigrationFileReport, MigrationSource, verdictOf,
} from '../migrations/checker';
import {
  CompiledWasmModule, compiledPostgresParser, loadPostgresTextsParser, ParseSqlTexts, preloadPostgresParserCode,
} from '../migrations/postgres-parser';
import { ColumnAnswer, ColumnFact, laterColumnFact, SchemaKnowledge } from '../migrations/schema-knowledge';

/**
 * Files that make one more thread worth starting. A worker thread costs 55-80 ms of start-up before
 * it checks anything (Node.js starts slowly in a thread once V8's flags are tuned, see main.ts, and
 * it instantiates its own copy of the parser), as much as checking about 500 files; with fewer, the
 * work is done before the worker is ready.
 */
export const MIN_FILES_PER_EXTRA_THREAD = 500;
/** More threads than this gain little over their start-up on typical migration sets. */
export const MAX_AUTOMATIC_THREADS = 4;
/** Files per batch: small enough to balance the threads, large enough that claiming one costs nothing. */
export const BATCH_SIZE = 32;

/** Upper bound of --threads. */
export const MAX_THREADS = 16;

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
    return otherRunnableThreads(readFileSync('/proc/loadavg', 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * From /proc/loadavg ("0.52 0.58 0.59 2/480 12345": the fourth field is running/total scheduling
 * entities), the running ones other than the thread that reads it; undefined when it says otherwise.
 */
export function otherRunnableThreads(loadavgText: string): number | undefined {
  const running = Number(loadavgText.split(' ')[3]?.split('/')[0]);
  return Number.isInteger(running) && running >= 1 ? running - 1 : undefined;
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
   * answered, with the first answers they got (see SchemaKnowledge.takeFirstAnswers): the only
   * ones whose findings may change once the batches before are known.
   */
  readonly pending: Array<[number, Array<[string, ColumnAnswer]>]>;
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

/** Checks the batches one thread claims. */
class BatchChecker {
  private readonly batches: number;
  private readonly claims: Int32Array;

  constructor(private readonly request: WorkerRequest, private readonly parseTexts: ParseSqlTexts) {
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
      const outputs = this.parseTexts(sources.map((source) => source.sql));
      results.push({ batch, files: checkMigrationSources(sources, () => outputs, schema).files as MigrationFileReport[], columnFacts: [], pending: [] });
    }
    if (results.length > 0) results[results.length - 1] = { ...results[results.length - 1], columnFacts: schema.columnFacts() };
    return results;
  }

  /** A worker's part: batches from the end, each on its own (see settlePending). */
  public checkFromBack(): BatchResult[] {
    const results: BatchResult[] = [];
    for (;;) {
      const batch = Atomics.sub(this.claims, this.batches, 1) - 1;
      if (batch < 0 || Atomics.compareExchange(this.claims, batch, 0, 1) !== 0) break; // the front reached it
      const sources = this.sourcesOf(batch);
      const schema = new SchemaKnowledge();
      const files: MigrationFileReport[] = [];
      const pending: Array<[number, Array<[string, ColumnAnswer]>]> = [];
      const outputs = this.parseTexts(sources.map((source) => source.sql));
      sources.forEach((source, index) => {
        files.push(checkMigrationSources([source], () => [outputs[index]], schema).files[0]);
        const answers = schema.takeFirstAnswers();
        if (answers.some(([, answer]) => answer.unknown.length > 0)) pending.push([index, answers]);
      });
      results.push({ batch, files, columnFacts: schema.columnFacts(), pending });
    }
    return results;
  }

  private sourcesOf(batch: number): readonly MigrationSource[] {
    return sourcesOfBatch(this.request.sources, batch);
  }
}

function sourcesOfBatch(sources: readonly MigrationSource[], batch: number): readonly MigrationSource[] {
  return sources.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE);
}

/**
 * Checks again, on this thread, the files of the workers' batches whose questions about columns a
 * batch before theirs answers, and returns the reports in batch order. Walks the batches in order,
 * so `known` holds what all the batches before the current one said. A file is checked from the
 * first answers it got, the unknown ones answered from `known`: what one run over all the files
 * would have given it.
 */
function settlePending(results: readonly BatchResult[], sources: readonly MigrationSource[], parseTexts: ParseSqlTexts): MigrationFileReport[] {
  const known = new Map<string, ColumnFact>();
  const reports: MigrationFileReport[] = [];
  for (const result of results) {
    const files = [...result.files];
    for (const [index, answers] of result.pending) {
      const answeredBefore = answers.some(([column, answer]) => answer.unknown.some((field: keyof ColumnFact) => known.get(column)?.[field] !== undefined));
      if (!answeredBefore) continue;
      const startFacts = answers.map(([column, answer]): [string, ColumnFact] => [column, laterColumnFact(known.get(column), answer.fact)]);
      const source = sourcesOfBatch(sources, result.batch)[index];
      files[index] = checkMigrationSources([source], parseTexts, new SchemaKnowledge(startFacts)).files[0];
    }
    reports.push(...files);
    for (const [column, fact] of result.columnFacts) known.set(column, laterColumnFact(known.get(column), fact));
  }
  return reports;
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
      const parseTexts = await loadPostgresTextsParser();
      const ownResults = options.onlyWorkers ? [] : new BatchChecker(request, parseTexts).checkFromFront();
      const workerResults = await Promise.all(workers.map((worker) => worker.results));
      const results = [...ownResults, ...workerResults.flat()].sort((a, b) => a.batch - b.batch);
      // Only the workers' files can be pending: this thread checked its batches in order.
      const reportFiles = settlePending(results, sources, parseTexts);
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
 * The main thread's handle on one worker: assigned a request, the worker sends its batch results
 * and ends.
 */
class BatchWorker {
  private readonly worker: Worker;
  private readonly answer: Promise<BatchResult[]>;
  private request: WorkerRequest | undefined;
  /** The worker sent its results and ends by itself. */
  private finished = false;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.answer = new Promise<BatchResult[]>((resolve, reject) => {
      this.worker.once('message', (results: BatchResult[]) => {
        this.finished = true;
        resolve(results);
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`a checking thread stopped (exit code ${code}) before it reported its files`)));
    });
    this.answer.catch(() => undefined); // a worker that is never asked may fail unheard (it is ended)
  }

  /** What the worker checked of the request it was assigned. */
  public get results(): Promise<BatchResult[]> {
    if (!this.request) throw new Error('a checking thread was asked for results before it was given files');
    return this.answer;
  }

  public assign(request: WorkerRequest): void {
    this.request = request;
    this.worker.postMessage(request);
  }

  /**
   * Stops waiting for the worker. A finished worker ends by itself; one that never reported (not
   * needed, or the check failed elsewhere) is ended here. Neither keeps the process alive.
   */
  public stop(): void {
    this.worker.removeAllListeners('exit');
    this.worker.unref();
    if (!this.finished) void this.worker.terminate();
  }
}

/** The worker side: waits for its request, checks batches until none is left, answers, and ends. */
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
  const checker = unclaimed ? new BatchChecker(request, await loadPostgresTextsParser(request.parser)) : undefined;
  port.postMessage(checker?.checkFromBack() ?? []);
  port.close();
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
