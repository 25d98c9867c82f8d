// Parsing several migration files in one call into the WebAssembly parser must give each file
// exactly what parsing it on its own gives: statements, their offsets, comment tokens, and errors.
import * as fc from 'fast-check';
import { loadPostgresParser, loadPostgresTextsParser, ParseSql, ParseSqlTexts } from '../../lib/migrations/postgres-parser';

let parse: ParseSql;
let parseTexts: ParseSqlTexts;

beforeAll(async () => {
  parse = await loadPostgresParser();
  parseTexts = await loadPostgresTextsParser();
});

/** Pieces of migration files, the awkward ones included: each text is a few of them in a row. */
const PIECES = [
  'ALTER TABLE users ADD COLUMN email text;',
  'ALTER TABLE users DROP COLUMN email',
  '\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
  '-- a line comment at the end',
  '-- a line comment; with a semicolon\n',
  "INSERT INTO notes (body) VALUES ('a; b -- not a comment');",
  "INSERT INTO notes (body) VALUES ('unterminated",
  "x');", // ends a string another text left open: valid SQL only when the texts are joined
  'SELECT "odd;name" FROM t;',
  'SELECT "unterminated name',
  'x" FROM t;',
  'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
  'CREATE FUNCTION g() RETURNS int AS $body$ SELECT 2;',
  '$body$ LANGUAGE sql;',
  '/* a block comment */ DROP TABLE audit;',
  '/* an unterminated block comment',
  ' */ DROP VIEW v;',
  'ALTER TABLE ;',
  '\\c other_database',
  ';',
  '   ',
  '\r\n',
  "UPDATE t SET name = 'ünïcödé — «ok»' WHERE id = 1;",
  'BEGIN; ALTER TABLE t ALTER c SET NOT NULL; COMMIT;',
  'E\'\\\'\'',
];

/** The output without the `location` fields inside statement trees (see RawStatement). */
function withoutInnerLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInnerLocations);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'location').map(([key, field]) => [key, withoutInnerLocations(field)]));
}

const text = fc.array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 5 }).map((pieces) => pieces.join(''));

test('any list of texts parses to what each text parses to on its own', () => {
  fc.assert(fc.property(fc.array(text, { minLength: 0, maxLength: 40 }), (texts) => {
    expect(withoutInnerLocations(parseTexts(texts))).toEqual(withoutInnerLocations(texts.map((sql) => parse(sql))));
  }), { numRuns: 300 });
});

test('a failing text, a statement without a semicolon, and a text of comments only, in one group', () => {
  const texts = ['ALTER TABLE a ADD COLUMN b int;', 'ALTER TABLE ;', 'SELECT 1', "SELECT ';' ", "SELECT 'x"];
  expect(withoutInnerLocations(parseTexts(texts))).toEqual(withoutInnerLocations(texts.map((sql) => parse(sql))));
  expect(parseTexts(texts)[1].error?.message).toContain('syntax error');
  // A statement without a semicolon at the end of one text does not take in the next text.
  const together = parseTexts(['SELECT 1', 'SELECT 2;', '-- only a comment', 'SELECT 3']);
  expect(together.map((output) => output.statements?.length)).toEqual([1, 1, 0, 1]);
  expect(together[0].statements?.[0]).toEqual({ stmt: expect.objectContaining({ SelectStmt: expect.anything() }) });
  expect(together[1].statements?.[0]).toEqual({ stmt: expect.anything(), stmt_len: 8 });
  // A string one text leaves open and the next closes is valid SQL only joined: each text fails alone.
  const halves = ["INSERT INTO notes (body) VALUES ('left open", "x');"];
  expect(parseTexts(halves).map((output) => output.error !== undefined)).toEqual([true, true]);
});
