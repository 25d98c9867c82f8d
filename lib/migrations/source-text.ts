/**
 * A position a person can jump to: 1-based line and 1-based column counted in Unicode characters
 * (code points), the convention of PostgreSQL's own error cursor.
 */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * The text of one migration file, able to turn the parser's offsets into line and column.
 *
 * libpg-query reports statement and token locations as UTF-8 byte offsets, but parse-error cursors
 * as character offsets (PostgreSQL counts characters there). JavaScript strings are indexed in
 * UTF-16 code units. The three differ as soon as a file contains a non-ASCII character (an accented
 * comment is enough), so every conversion goes through this class.
 */
export class SourceText {
  /** The UTF-8 encoding; absent for ASCII texts, whose byte offsets are string indices. */
  private readonly bytes: Buffer | undefined;
  private readonly bytesInText: number;
  /** Byte offset at which each line starts (line 1 at index 0). */
  private readonly lineStartBytes: number[];

  constructor(public readonly text: string) {
    // Most migrations are ASCII: skip encoding them (a checker run builds one SourceText per file).
    this.bytesInText = Buffer.byteLength(text, 'utf8');
    this.bytes = this.bytesInText === text.length ? undefined : Buffer.from(text, 'utf8');
    this.lineStartBytes = [0];
    const searched = this.bytes ?? text;
    for (let newline = searched.indexOf('\n'); newline >= 0; newline = searched.indexOf('\n', newline + 1)) {
      this.lineStartBytes.push(newline + 1);
    }
  }

  /** Length of the text in UTF-8 bytes. */
  public get byteLength(): number {
    return this.bytesInText;
  }

  /** The text between two UTF-8 byte offsets. */
  public sliceBytes(startByte: number, endByte: number): string {
    if (!this.bytes) return this.text.slice(startByte, endByte);
    return this.bytes.subarray(startByte, endByte).toString('utf8');
  }

  /** Line and column of a UTF-8 byte offset (statement and token locations). */
  public positionOfByte(byteOffset: number): SourcePosition {
    const offset = Math.max(0, Math.min(byteOffset, this.bytesInText));
    const lineIndex = this.lineIndexOfByte(offset);
    const lineStart = this.lineStartBytes[lineIndex];
    const column = this.bytes
      ? countCodePoints(this.bytes.subarray(lineStart, offset).toString('utf8')) + 1
      : offset - lineStart + 1;
    return { line: lineIndex + 1, column };
  }

  /** Line and column of a character (code point) offset (PostgreSQL parse-error cursors). */
  public positionOfCharacter(characterOffset: number): SourcePosition {
    let line = 1;
    let column = 1;
    let seen = 0;
    for (const character of this.text) {
      if (seen >= characterOffset) break;
      if (character === '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      seen++;
    }
    return { line, column };
  }

  private lineIndexOfByte(offset: number): number {
    let low = 0;
    let high = this.lineStartBytes.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStartBytes[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
