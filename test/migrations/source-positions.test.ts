import { readParseOutput } from '../../lib/migrations/parsed-migration';
import { loadPostgresParser, parseSqlTextsSynchronously, ParseSql } from '../../lib/migrations/postgres-parser';
import { SourceText } from '../../lib/migrations/source-text';
import { findingsOf } from './check-sql';

let parse: ParseSql;
beforeAll(async () => {
  parse = await loadPostgresParser();
});

describe('SourceText', () => {
  test('maps UTF-8 byte offsets to line and character column', () => {
    const text = new SourceText('ab\n-- é😀\nx');
    // bytes: a b \n - - ' ' é(2) 😀(4) \n x
    expect(text.positionOfByte(0)).toEqual({ line: 1, column: 1 });
    expect(text.positionOfByte(3)).toEqual({ line: 2, column: 1 });
    expect(text.positionOfByte(6)).toEqual({ line: 2, column: 4 }); // é
    expect(text.positionOfByte(8)).toEqual({ line: 2, column: 5 }); // 😀
    expect(text.positionOfByte(13)).toEqual({ line: 3, column: 1 }); // x
    expect(text.sliceBytes(6, 12)).toBe('é😀');
  });

  test('maps character offsets (parse-error cursors) with astral characters counted once', () => {
    const text = new SourceText('😀é\nab');
    expect(text.positionOfCharacter(1)).toEqual({ line: 1, column: 2 });
    expect(text.positionOfCharacter(3)).toEqual({ line: 2, column: 1 });
    expect(text.positionOfCharacter(4)).toEqual({ line: 2, column: 2 });
  });
});

describe('statement positions', () => {
  test('point at the first token of each statement, after comments and multi-byte text', async () => {
    const sql = "-- Migration für Kunden 😀\nINSERT INTO t VALUES ('ü');   /* ünïcode */  ALTER TABLE users DROP COLUMN email;\n\n  ALTER TABLE users RENAME TO accounts;";
    const findings = await findingsOf(sql);
    expect(findings.map((finding) => [finding.rule, finding.line, finding.column, finding.statement])).toEqual([
      ['dropping-column', 2, 46, 'ALTER TABLE users DROP COLUMN email'],
      ['renaming-table', 4, 3, 'ALTER TABLE users RENAME TO accounts'],
    ]);
    // Columns count characters (the line holds only BMP characters, so they equal string indices + 1),
    // while the parser reported bytes: 'ü', 'ü' and 'ï' take two bytes each.
    expect(sql.split('\n')[1].indexOf('ALTER') + 1).toBe(46);
  });

  test('a statement without a final semicolon runs to the end of the file', async () => {
    const findings = await findingsOf('SELECT 1;\nDROP TABLE t');
    expect(findings.map((finding) => [finding.line, finding.column, finding.statement])).toEqual([[2, 1, 'DROP TABLE t']]);
  });

  test('semicolons inside dollar-quoted function bodies do not split statements', async () => {
    const findings = await findingsOf('CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nDROP VIEW v;');
    expect(findings.map((finding) => [finding.rule, finding.line])).toEqual([['dropping-view', 2]]);
  });
});

describe('files that do not parse', () => {
  test('are reported with the position of the error, not skipped', async () => {
    const findings = await findingsOf('SELECT 1;\nALTER TABL users DROP COLUMN a;');
    expect(findings).toEqual([expect.objectContaining({
      file: '001.sql', line: 2, column: 7, rule: 'unparsable-sql', severity: 'unsafe',
      message: 'does not parse: syntax error at or near "TABL"',
    })]);
  });

  test('the error position counts characters, also after multi-byte ones', async () => {
    const findings = await findingsOf("SELECT 'größe 😀';\nSELECT 'open");
    expect(findings.map((finding) => [finding.line, finding.column, finding.rule])).toEqual([[2, 8, 'unparsable-sql']]);
  });

  test('an empty file or one with only comments has no statements and no findings', async () => {
    const parsed = readParseOutput(new SourceText('-- nothing yet\n'), parse('-- nothing yet\n'));
    expect(parsed).toEqual({ ok: true, statements: [], comments: [{ text: '-- nothing yet', position: { line: 1, column: 1 } }] });
    expect(await findingsOf('', '  \n')).toEqual([]);
  });
});

test('the synchronous worker-thread parser gives the same output as the in-process parser', () => {
  const texts = ["-- é\nALTER TABLE t ADD COLUMN a int; /* x */ SELECT 'ü'", 'not sql at all', '', 'SELECT 1'];
  expect(parseSqlTextsSynchronously(texts)).toEqual(texts.map((text) => parse(text)));
});

test('the parser adapter reads libpg-query\'s module exactly as libpg-query\'s own wrapper does', async () => {
  const libpgQuery = require('libpg-query');
  await libpgQuery.loadModule();
  const large = Array.from({ length: 20_000 }, (_, index) => `ALTER TABLE t_${index} ADD COLUMN c text; -- é ${index}`).join('\n');
  const texts = [
    "ALTER TABLE t ADD COLUMN a int /* inside */ ; SELECT 'ü😀'",
    'SELECT 1 -- trailing\n; DROP TABLE x',
    "SELECT 'é' FROM", // error cursor after non-ASCII text
    'CREATE TABLE (', large,
  ];
  for (const text of texts) {
    let expected: object;
    try {
      const statements = libpgQuery.parseSync(text).stmts ?? [];
      const raw = parse(text);
      expect(raw.statements).toEqual(statements);
      expected = raw.tokens === undefined ? { statements } : {
        statements,
        tokens: libpgQuery.scanSync(text).tokens.map((token: { start: number; end: number; tokenName: string }) => ({
          start: token.start, end: token.end, comment: token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT',
        })),
      };
    } catch (error) {
      expected = { error: { message: (error as Error).message, cursorPosition: (error as { sqlDetails: { cursorPosition: number } }).sqlDetails.cursorPosition } };
    }
    expect(parse(text)).toEqual(expected);
  }
  expect(parse(texts[0]).tokens).toBeDefined();
  expect(parse(texts[2]).error).toBeDefined();
});

describe('comments with and without a token scan', () => {
  // libpg-query's own wrapper, loaded separately from the parser adapter (which calls the module directly).
  beforeAll(async () => {
    await require('libpg-query').loadModule();
  });

  // The parser adapter scans tokens only when a statement contains a comment marker; otherwise
  // comments are lexed from the gaps between statements. Both must read a file the same way.
  const withScan = (sql: string) => {
    const libpgQuery = require('libpg-query');
    const tokens = libpgQuery.scanSync(sql).tokens.map((token: { start: number; end: number; tokenName: string }) => ({
      start: token.start, end: token.end, comment: token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT',
    }));
    return readParseOutput(new SourceText(sql), { ...parse(sql), tokens });
  };

  test.each([
    '-- héader 😀\n/* block /* nested */ still comment */\nALTER TABLE a DROP COLUMN b;   -- trailing ü\n\n-- before\nDROP TABLE c;\n-- end of file',
    'SELECT 1;;; /* between */ ;SELECT 2',
    "  \n\tSELECT 'ü'  ;  \n",
  ])('%j', (sql) => {
    const raw = parse(sql);
    expect(raw.tokens).toBeUndefined();
    expect(readParseOutput(new SourceText(sql), raw)).toEqual(withScan(sql));
  });

  test('a comment inside a statement makes the adapter scan, and the statement ends at its last token', () => {
    const sql = "ALTER TABLE users /* inline */ DROP COLUMN email -- why\n;\nSELECT '--not a comment'";
    const raw = parse(sql);
    expect(raw.tokens).toBeDefined();
    const parsed = readParseOutput(new SourceText(sql), raw);
    expect(parsed.ok && parsed.statements.map((statement) => [statement.text, statement.comments.map((comment) => comment.text)])).toEqual([
      ['ALTER TABLE users /* inline */ DROP COLUMN email', ['-- why']],
      ["SELECT '--not a comment'", []],
    ]);
  });
});
