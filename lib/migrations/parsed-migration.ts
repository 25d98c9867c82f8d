import { RawParseOutput, RawToken } from './postgres-parser';
import { SourcePosition, SourceText } from './source-text';
import { SyntaxNode } from './sql-syntax';

/** A comment, with where it starts. */
export interface SqlComment {
  readonly text: string;
  readonly position: SourcePosition;
}

/** One top-level statement of a migration file. */
export interface ParsedStatement {
  readonly node: SyntaxNode;
  /** Byte offset of its first token (leading comments and whitespace excluded). */
  readonly startByte: number;
  /** Where its first token is. */
  readonly position: SourcePosition;
  /** The statement's SQL, without the terminating semicolon. */
  readonly text: string;
  /**
   * Comments that belong to this statement: those on the lines directly before it (after the previous
   * statement) and those on the line where it ends.
   */
  readonly comments: readonly SqlComment[];
}

export interface ParsedMigration {
  readonly ok: true;
  readonly statements: readonly ParsedStatement[];
  /** Every comment between statements, in order. */
  readonly comments: readonly SqlComment[];
}

export interface UnparsableMigration {
  readonly ok: false;
  readonly message: string;
  readonly position: SourcePosition;
}

interface Span {
  readonly node: SyntaxNode;
  /** Byte offsets of the first code character and just after the last one. */
  readonly first: number;
  readonly last: number;
}

/** Turns the parser's raw output (byte offsets) into statements with positions and their comments. */
export function readParseOutput(source: SourceText, raw: RawParseOutput): ParsedMigration | UnparsableMigration {
  if (raw.error) {
    return { ok: false, message: raw.error.message, position: source.positionOfCharacter(raw.error.cursorPosition) };
  }
  const { spans, comments } = raw.tokens ? spansFromTokens(source, raw, raw.tokens) : spansFromLocations(source, raw);
  const endLines = spans.map((span) => source.positionOfByte(span.last).line);

  const commentsByStatement = spans.map(() => [] as SqlComment[]);
  const allComments: SqlComment[] = [];
  // Spans and comments are both in text order, so two cursors replace a search per comment:
  // `ended` counts the statements that end before the comment, `next` is the first that starts after it.
  let ended = 0;
  let next = 0;
  for (const token of comments) {
    const comment = { text: source.sliceBytes(token.start, token.end), position: source.positionOfByte(token.start) };
    allComments.push(comment);
    while (ended < spans.length && spans[ended].last <= token.start) ended++;
    while (next < spans.length && spans[next].first < token.end) next++;
    // A comment on the line where a statement ends belongs to that statement (a trailing note);
    // otherwise it belongs to the next statement if nothing but comments separate them.
    if (ended > 0 && endLines[ended - 1] === comment.position.line) {
      commentsByStatement[ended - 1].push(comment);
      continue;
    }
    const previousEnd = next > 0 ? spans[next - 1].last : 0;
    if (next < spans.length && token.start >= previousEnd) commentsByStatement[next].push(comment);
  }

  const statements = spans.map((span, index): ParsedStatement => ({
    node: span.node,
    startByte: span.first,
    position: source.positionOfByte(span.first),
    text: stripSemicolon(source.sliceBytes(span.first, span.last)),
    comments: commentsByStatement[index],
  }));
  return { ok: true, statements, comments: allComments };
}

// With every token known (the parser adapter scans a file when a statement contains a comment),
// each statement runs from its first to its last code token. Statements and tokens are both in
// text order, so one forward walk suffices.
function spansFromTokens(source: SourceText, raw: RawParseOutput, tokens: readonly RawToken[]): { spans: Span[]; comments: RawToken[] } {
  const code = tokens.filter((token) => !token.comment);
  let cursor = 0;
  const spans = (raw.statements ?? []).map((statement) => {
    const begin = statement.stmt_location ?? 0;
    const end = statement.stmt_len ? begin + statement.stmt_len : source.byteLength;
    while (cursor < code.length && code[cursor].start < begin) cursor++;
    let first = begin;
    let last = end;
    if (cursor < code.length && code[cursor].start < end) {
      first = code[cursor].start;
      while (cursor < code.length && code[cursor].start < end) last = code[cursor++].end;
    }
    return { node: statement.stmt, first, last };
  });
  return { spans, comments: tokens.filter((token) => token.comment) };
}

// Without tokens, no statement contains a comment, so a statement is its parser span minus
// surrounding whitespace, and comments can only sit in the gaps between statements, where there is
// nothing but whitespace, semicolons and comments: a tiny lexer finds them there reliably.
function spansFromLocations(source: SourceText, raw: RawParseOutput): { spans: Span[]; comments: RawToken[] } {
  const spans = (raw.statements ?? []).map((statement) => {
    const begin = statement.stmt_location ?? 0;
    const end = statement.stmt_len ? begin + statement.stmt_len : source.byteLength;
    const text = source.sliceBytes(begin, end);
    const leading = text.length - text.trimStart().length;
    const trailing = text.length - text.trimEnd().length;
    return { node: statement.stmt, first: begin + leading, last: end - trailing }; // whitespace is ASCII: bytes = characters
  });
  const comments: RawToken[] = [];
  let gapStart = 0;
  for (const span of [...spans, { first: source.byteLength, last: source.byteLength }]) {
    if (span.first > gapStart) comments.push(...commentsInGap(source, gapStart, span.first));
    gapStart = span.last;
  }
  return { spans, comments };
}

function commentsInGap(source: SourceText, startByte: number, endByte: number): RawToken[] {
  const gap = source.sliceBytes(startByte, endByte);
  if (!gap.includes('--') && !gap.includes('/*')) return [];
  const found: RawToken[] = [];
  // Byte offset of a character index of the gap. Indices only grow, so each call measures just the
  // characters since the previous one (measuring from the gap's start each time is quadratic).
  let measuredIndex = 0;
  let measuredByte = startByte;
  const byteAt = (index: number): number => {
    measuredByte += Buffer.byteLength(gap.slice(measuredIndex, index), 'utf8');
    measuredIndex = index;
    return measuredByte;
  };
  let index = 0;
  while (index < gap.length) {
    if (gap.startsWith('--', index)) {
      const newline = gap.indexOf('\n', index);
      const end = newline < 0 ? gap.length : newline;
      found.push({ start: byteAt(index), end: byteAt(gap.slice(0, end).trimEnd().length), comment: true });
      index = end;
    } else if (gap.startsWith('/*', index)) {
      let depth = 0; // PostgreSQL block comments nest
      let cursor = index;
      do {
        if (gap.startsWith('/*', cursor)) {
          depth++;
          cursor += 2;
        } else if (gap.startsWith('*/', cursor)) {
          depth--;
          cursor += 2;
        } else {
          cursor++;
        }
      } while (depth > 0 && cursor < gap.length);
      found.push({ start: byteAt(index), end: byteAt(cursor), comment: true });
      index = cursor;
    } else {
      index++;
    }
  }
  return found;
}

function stripSemicolon(text: string): string {
  return text.endsWith(';') ? text.slice(0, -1).trimEnd() : text;
}
