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
  /** Every comment in the file, in order. */
  readonly comments: readonly SqlComment[];
}

export interface UnparsableMigration {
  readonly ok: false;
  readonly message: string;
  readonly position: SourcePosition;
}

/** Turns the parser's raw output (byte offsets) into statements with positions and their comments. */
export function readParseOutput(source: SourceText, raw: RawParseOutput): ParsedMigration | UnparsableMigration {
  if (raw.error) {
    return { ok: false, message: raw.error.message, position: source.positionOfCharacter(raw.error.cursorPosition) };
  }
  const tokens = raw.tokens ?? [];
  const commentOf = (token: RawToken): SqlComment => ({
    text: source.sliceBytes(token.start, token.end),
    position: source.positionOfByte(token.start),
  });
  // Statements and tokens are both in text order, so one forward walk finds each statement's first
  // and last code token.
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
    return { node: statement.stmt, first, last, endLine: source.positionOfByte(last).line };
  });

  const commentsByStatement = spans.map(() => [] as SqlComment[]);
  const allComments: SqlComment[] = [];
  for (const token of tokens) {
    if (!token.comment) continue;
    const comment = commentOf(token);
    allComments.push(comment);
    // A comment on the line where a statement ends belongs to that statement (a trailing note);
    // otherwise it belongs to the next statement if nothing but comments separate them.
    const trailing = spans.findLastIndex((span) => span.last <= token.start && span.endLine === comment.position.line);
    if (trailing >= 0) {
      commentsByStatement[trailing].push(comment);
      continue;
    }
    const next = spans.findIndex((span) => span.first >= token.end);
    const previousEnd = next > 0 ? spans[next - 1].last : 0;
    if (next >= 0 && token.start >= previousEnd) commentsByStatement[next].push(comment);
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

function stripSemicolon(text: string): string {
  return text.endsWith(';') ? text.slice(0, -1).trimEnd() : text;
}
