import { readFileSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SyntaxNode } from './sql-syntax';

/**
 * One top-level statement as libpg-query reports it (byte offsets in the statement's own text; 0
 * values are omitted). The `location` fields inside `stmt` may count from the start of several
 * texts parsed together (see parseTextsTogether): nothing may rely on them.
 */
export interface RawStatement {
  readonly stmt: SyntaxNode;
  readonly stmt_location?: number;
  /** 0 or absent: the statement runs to the end of the text. */
  readonly stmt_len?: number;
}

/** One lexical token; comments are kept because suppressions live in them. */
export interface RawToken {
  readonly start: number;
  readonly end: number;
  readonly comment: boolean;
}

/** What the PostgreSQL parser said about one SQL text, as plain data. */
export interface RawParseOutput {
  readonly statements?: RawStatement[];
  /**
   * Every token, only when some statement contains a comment marker. Scanning costs more than
   * parsing, and comments between statements are found without it (see parsed-migration.ts).
   */
  readonly tokens?: RawToken[];
  /** Set when the text does not parse; `cursorPosition` counts characters from 0. */
  readonly error?: { readonly message: string; readonly cursorPosition: number };
}

/** Parses one SQL text. */
export type ParseSql = (sql: string) => RawParseOutput;

/**
 * The part of libpg-query's Emscripten module this file calls. libpg-query's own wrapper
 * (parseSync, scanSync) re-checks its arguments, encodes and decodes strings in JavaScript and loads
 * a second package of type exports at start-up; calling the module directly costs less per file (a
 * test compares both ways on the same texts).
 */
interface PostgresWasmModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _wasm_parse_query_raw(queryPointer: number): number;
  _wasm_free_parse_result(resultPointer: number): void;
  _wasm_scan(queryPointer: number): number;
  _wasm_free_string(pointer: number): void;
}

/** A compiled WebAssembly module (WebAssembly.Module; this package compiles without the DOM types). */
export type CompiledWasmModule = object;

/** The part of the WebAssembly API used here. */
const wasm = (globalThis as unknown as {
  WebAssembly: {
    compile(bytes: Uint8Array): Promise<CompiledWasmModule>;
    instantiate(module: CompiledWasmModule, imports: object): Promise<object>;
  };
}).WebAssembly;

/** Parses several SQL texts: the same outputs as parsing each on its own, in fewer calls. */
export type ParseSqlTexts = (texts: readonly string[]) => RawParseOutput[];

let compiling: Promise<CompiledWasmModule> | undefined;
let loading: Promise<{ parse: ParseSql; parseTexts: ParseSqlTexts }> | undefined;

/**
 * Loads the PostgreSQL parser (a WebAssembly build, so loading is asynchronous) and returns a
 * synchronous parse function for this thread. Used by the command-line tool. Every call answers
 * the same load, so a caller can start it early and await it where it is needed.
 */
export function loadPostgresParser(): Promise<ParseSql> {
  return loadParsers().then((parsers) => parsers.parse);
}

/**
 * Like loadPostgresParser, for many texts at once (see parseTextsTogether). `compiled` is the
 * module as another thread compiled it (see compiledPostgresParser): this thread then only
 * instantiates it.
 */
export function loadPostgresTextsParser(compiled?: CompiledWasmModule): Promise<ParseSqlTexts> {
  return loadParsers(compiled).then((parsers) => parsers.parseTexts);
}

function loadParsers(compiled?: CompiledWasmModule): Promise<{ parse: ParseSql; parseTexts: ParseSqlTexts }> {
  if (compiled) compiling ??= Promise.resolve(compiled);
  loading ??= compiledPostgresParser().then(instantiatePostgresModule).then(parserOf);
  return loading;
}

/**
 * The parser's compiled WebAssembly module, compiled once per thread. It can be posted to a worker
 * thread, which instantiates it without compiling it again (the compiled code is shared).
 */
export function compiledPostgresParser(): Promise<CompiledWasmModule> {
  // Read synchronously (about 1 ms), so that the compile starts on V8's background threads before
  // this call returns: a caller that starts the load early then does synchronous work (listing and
  // reading files) while it compiles, where an asynchronous read would wait for that work to end.
  compiling ??= (async () => wasm.compile(readFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm'))))();
  return compiling;
}

/** The Emscripten factory inside libpg-query (its package declares no "exports", so the path is reachable). */
function postgresModuleFactory(): (options: object) => Promise<PostgresWasmModule> {
  return require('libpg-query/wasm/libpg-query.js') as (options: object) => Promise<PostgresWasmModule>;
}

/** Loads the parser's JavaScript half now (a thread that will get the compiled module later). */
export function preloadPostgresParserCode(): void {
  postgresModuleFactory();
}

function instantiatePostgresModule(compiled: CompiledWasmModule): Promise<PostgresWasmModule> {
  // The factory's instantiateWasm hook instantiates the module compiled here instead of reading and
  // compiling the file itself.
  const createModule = postgresModuleFactory();
  return new Promise((resolve, reject) => {
    createModule({
      instantiateWasm: (imports: object, receiveInstance: (instance: object) => void) => {
        wasm.instantiate(compiled, imports).then(receiveInstance, reject);
        return {};
      },
    }).then(resolve, reject);
  });
}

function parserOf(module: PostgresWasmModule): { parse: ParseSql; parseTexts: ParseSqlTexts } {
  const encoder = new TextEncoder();
  // One input buffer for every text, grown when a text needs more: libpg-query copies what it keeps
  // into its result, and allocating and freeing per text were two more calls into WebAssembly.
  let inputPointer = 0;
  let inputCapacity = 0;
  // Writes the text as a NUL-terminated UTF-8 string into the module's memory.
  const copyIn = (sql: string): number => {
    const needed = sql.length * 3 + 1; // a UTF-16 code unit never takes more than 3 UTF-8 bytes
    if (needed > inputCapacity) {
      if (inputPointer) module._free(inputPointer);
      inputCapacity = Math.max(needed, 64 * 1024);
      inputPointer = module._malloc(inputCapacity);
      if (!inputPointer) {
        inputCapacity = 0;
        throw new Error('Failed to parse query: memory allocation failed');
      }
    }
    const heap = module.HEAPU8; // read after _malloc: growing the memory replaces the view
    const { written } = encoder.encodeInto(sql, heap.subarray(inputPointer, inputPointer + inputCapacity - 1));
    heap[inputPointer + written] = 0;
    return inputPointer;
  };
  const copyOut = (pointer: number): string => {
    const heap = module.HEAPU8;
    const end = heap.indexOf(0, pointer);
    return Buffer.from(heap.buffer, heap.byteOffset + pointer, (end < 0 ? heap.length : end) - pointer).toString('utf8');
  };
  const parseStatements = (sql: string): RawStatement[] => {
    const queryPointer = copyIn(sql);
    let resultPointer = 0;
    try {
      resultPointer = module._wasm_parse_query_raw(queryPointer);
      if (!resultPointer) throw new Error('Failed to parse query: memory allocation failed');
      // PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error; }
      const words = module.HEAPU32;
      const treePointer = words[resultPointer >> 2];
      const errorPointer = words[(resultPointer + 8) >> 2];
      if (errorPointer) {
        // PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos; ... }
        const messagePointer = words[errorPointer >> 2];
        const cursor = module.HEAPU32[(errorPointer + 16) >> 2] | 0;
        const message = messagePointer ? copyOut(messagePointer) : 'Unknown error';
        throw Object.assign(new Error(message), { sqlDetails: { cursorPosition: cursor > 0 ? cursor - 1 : 0 } });
      }
      if (!treePointer) throw new Error('No parse tree generated');
      return (JSON.parse(copyOut(treePointer)).stmts ?? []) as RawStatement[];
    } finally {
      if (resultPointer) module._wasm_free_parse_result(resultPointer);
    }
  };
  const scanTokens = (sql: string): Array<{ start: number; end: number; tokenName: string }> => {
    const queryPointer = copyIn(sql);
    let resultPointer = 0;
    try {
      resultPointer = module._wasm_scan(queryPointer);
      const result = resultPointer ? copyOut(resultPointer) : '';
      if (result.startsWith('syntax error') || result.startsWith('deparse error') || result.startsWith('ERROR')) throw new Error(result);
      return JSON.parse(result).tokens;
    } finally {
      if (resultPointer) module._wasm_free_string(resultPointer);
    }
  };
  // The output of one text from its statements (parsed on their own or together with other texts).
  const outputOf = (sql: string, statements: RawStatement[]): RawParseOutput => {
    if (!hasCommentInsideStatements(sql, statements)) return { statements };
    const tokens = scanTokens(sql).map((token) => ({
      start: token.start,
      end: token.end,
      comment: token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT',
    }));
    return { statements, tokens };
  };
  const parse: ParseSql = (sql) => {
    if (sql.trim() === '') return { statements: [] };
    try {
      return outputOf(sql, parseStatements(sql));
    } catch (error) {
      return { error: parseErrorOf(error) };
    }
  };
  const parseTexts: ParseSqlTexts = (texts) => parseTextsTogether(texts, parse, (sql) => {
    try {
      return parseStatements(sql);
    } catch {
      return undefined;
    }
  }, outputOf);
  return { parse, parseTexts };
}

/** Texts parsed in one call at most; files of a typical migration set take a few kilobytes each. */
const TEXTS_PER_CALL = 32;
/** Between two texts parsed together: ends any statement and line comment the first leaves open. */
const TEXT_SEPARATOR = '\n;\n';

/**
 * Parses texts several at a time, joined by TEXT_SEPARATOR, and gives each its statements back
 * with its own offsets: each call into the WebAssembly parser has a fixed cost (about a tenth of the
 * parse time of a typical migration file). The outputs are those of parsing each text on its own,
 * as a test checks on generated texts, except for the `location` fields inside the statements'
 * trees (see RawStatement):
 * - a text that does not parse makes its group fail, and the group's texts are then parsed one by one;
 * - a text with a block comment (which could swallow the separator and the next text without an
 *   error), a NUL (which ends the string the parser reads) or no statement is parsed on its own;
 * - a statement that runs from one text into the next (an unterminated string or quoted name, where
 *   the separator would only be text) makes the group's texts be parsed one by one.
 */
function parseTextsTogether(
  texts: readonly string[],
  parse: ParseSql,
  statementsOf: (sql: string) => RawStatement[] | undefined,
  outputOf: (sql: string, statements: RawStatement[]) => RawParseOutput,
): RawParseOutput[] {
  const outputs: RawParseOutput[] = new Array(texts.length);
  let group: number[] = [];
  const parseGroup = (): void => {
    const members = group;
    group = [];
    const split = members.length > 1 ? splitStatements(members.map((index) => texts[index]), statementsOf) : undefined;
    members.forEach((index, position) => {
      outputs[index] = split ? outputOf(texts[index], split[position]) : parse(texts[index]);
    });
  };
  texts.forEach((sql, index) => {
    if (sql.includes('/*') || sql.includes('\0') || sql.trim() === '') {
      outputs[index] = parse(sql);
      return;
    }
    group.push(index);
    if (group.length === TEXTS_PER_CALL) parseGroup();
  });
  if (group.length > 0) parseGroup();
  return outputs;
}

/** Each text's statements, with offsets in that text; undefined when they cannot be told apart. */
function splitStatements(texts: readonly string[], statementsOf: (sql: string) => RawStatement[] | undefined): RawStatement[][] | undefined {
  const joined = texts.join(TEXT_SEPARATOR);
  const statements = statementsOf(joined);
  if (!statements) return undefined;
  const ascii = Buffer.byteLength(joined, 'utf8') === joined.length; // offsets are UTF-8 bytes
  const lengths = texts.map((text) => (ascii ? text.length : Buffer.byteLength(text, 'utf8')));
  const starts: number[] = [];
  let offset = 0;
  for (const length of lengths) {
    starts.push(offset);
    offset += length + TEXT_SEPARATOR.length;
  }
  const joinedLength = offset - TEXT_SEPARATOR.length;
  const split: RawStatement[][] = texts.map(() => []);
  let text = 0;
  for (const statement of statements) {
    const begin = statement.stmt_location ?? 0;
    const end = statement.stmt_len ? begin + statement.stmt_len : joinedLength;
    // A statement after a separator starts right after its semicolon, on the newline that ends it.
    while (text + 1 < texts.length && starts[text + 1] - 1 <= begin) text++;
    const textEnd = starts[text] + lengths[text];
    // It may end on the separator's newline (a text's last statement without a semicolon), no further.
    if (begin < starts[text] - 1 || end > textEnd + 1) return undefined;
    const localBegin = Math.max(0, begin - starts[text]);
    const localEnd = Math.min(lengths[text], end - starts[text]);
    // As the parser reports them for the text alone: 0 (the start, or "to the end") is left out.
    split[text].push({
      stmt: statement.stmt,
      ...(localBegin > 0 ? { stmt_location: localBegin } : {}),
      ...(localEnd < lengths[text] ? { stmt_len: localEnd - localBegin } : {}),
    });
  }
  return split;
}

// Statement locations are UTF-8 byte offsets. In an ASCII text (the usual migration) they are string
// indices too, and searching string slices is much cheaper than encoding the text and searching Buffers.
function hasCommentInsideStatements(sql: string, statements: readonly RawStatement[]): boolean {
  if (Buffer.byteLength(sql, 'utf8') === sql.length) {
    return statements.some((statement) => {
      const begin = statement.stmt_location ?? 0;
      const span = sql.slice(begin, statement.stmt_len ? begin + statement.stmt_len : sql.length);
      return span.includes('--') || span.includes('/*');
    });
  }
  const bytes = Buffer.from(sql, 'utf8');
  return statements.some((statement) => {
    const begin = statement.stmt_location ?? 0;
    const span = bytes.subarray(begin, statement.stmt_len ? begin + statement.stmt_len : bytes.length);
    return span.includes('--') || span.includes('/*');
  });
}

function parseErrorOf(error: unknown): { message: string; cursorPosition: number } {
  const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
  return { message: (error as Error).message ?? String(error), cursorPosition: details?.cursorPosition ?? 0 };
}

// Runs in a worker thread. Kept in step with loadPostgresParser(); a test parses the same texts both
// ways and compares the results.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { libpgQueryPath, texts, port, signal } = workerData;
function hasCommentInsideStatements(sql, statements) {
  if (Buffer.byteLength(sql, 'utf8') === sql.length) {
    return statements.some((statement) => {
      const begin = statement.stmt_location || 0;
      const span = sql.slice(begin, statement.stmt_len ? begin + statement.stmt_len : sql.length);
      return span.includes('--') || span.includes('/*');
    });
  }
  const bytes = Buffer.from(sql, 'utf8');
  return statements.some((statement) => {
    const begin = statement.stmt_location || 0;
    const span = bytes.subarray(begin, statement.stmt_len ? begin + statement.stmt_len : bytes.length);
    return span.includes('--') || span.includes('/*');
  });
}
function parseOne(lib, sql) {
  if (sql.trim() === '') return { statements: [] };
  try {
    const statements = lib.parseSync(sql).stmts || [];
    if (!hasCommentInsideStatements(sql, statements)) return { statements };
    const tokens = lib.scanSync(sql).tokens.map((token) => ({
      start: token.start,
      end: token.end,
      comment: token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT',
    }));
    return { statements, tokens };
  } catch (error) {
    const details = error && error.sqlDetails;
    return { error: { message: String(error && error.message || error), cursorPosition: details && details.cursorPosition || 0 } };
  }
}
Promise.resolve()
  .then(() => {
    const lib = require(libpgQueryPath);
    return lib.loadModule().then(() => ({ outputs: texts.map((sql) => parseOne(lib, sql)) }));
  })
  .catch((error) => ({ failure: String(error && error.stack || error) }))
  .then((result) => {
    port.postMessage(result);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
`;

/**
 * Parses SQL texts synchronously, for callers that cannot wait for a promise (a CDK construct runs
 * during synthesis, which is synchronous). The parser's WebAssembly module can only be loaded
 * asynchronously, so it is loaded in a worker thread while this thread blocks on an Atomics wait;
 * the answer comes back through a message port read with receiveMessageOnPort.
 */
export function parseSqlTextsSynchronously(texts: readonly string[], timeoutMillis = 120_000): RawParseOutput[] {
  if (texts.length === 0) return [];
  let libpgQueryPath: string;
  try {
    libpgQueryPath = require.resolve('libpg-query');
  } catch {
    throw new Error('The PostgreSQL parser (the libpg-query package) is not installed next to cdk-blue-green. '
      + 'It is a bundled dependency of cdk-blue-green: reinstall cdk-blue-green (npm install) and retry.');
  }
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { libpgQueryPath, texts: [...texts], port: port2, signal },
    transferList: [port2],
  });
  try {
    const waited = Atomics.wait(signal, 0, 0, timeoutMillis);
    const message = receiveMessageOnPort(port1)?.message as
      | { outputs?: RawParseOutput[]; failure?: string }
      | undefined;
    if (waited === 'timed-out' || !message) {
      throw new Error(`The PostgreSQL parser (libpg-query) did not answer within ${timeoutMillis / 1000} s. `
        + 'Check that the machine is not starved of memory and retry.');
    }
    if (message.failure !== undefined || !message.outputs) {
      throw new Error(`The PostgreSQL parser (libpg-query) could not be loaded: ${message.failure}. `
        + 'Reinstall cdk-blue-green (libpg-query is one of its bundled dependencies).');
    }
    return message.outputs;
  } finally {
    port1.close();
    void worker.terminate();
  }
}
