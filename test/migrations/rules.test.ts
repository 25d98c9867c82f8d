import { MIGRATION_RULES } from '../../lib/migrations/rules';
import { findingsOf, rulesOf } from './check-sql';

// For each rule: statements it must report, and close variants it must not report.
const CASES: Record<string, { reported: string[]; notReported: string[] }> = {
  'adding-not-null-column': {
    reported: [
      'ALTER TABLE users ADD COLUMN email text NOT NULL',
      'ALTER TABLE users ADD COLUMN code int PRIMARY KEY',
      'ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT NULL',
    ],
    notReported: [
      'ALTER TABLE users ADD COLUMN email text',
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'",
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT ''",
      'ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY',
      'CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN email text NOT NULL',
    ],
  },
  'dropping-column': {
    reported: ['ALTER TABLE users DROP COLUMN email', 'ALTER TABLE users DROP COLUMN IF EXISTS email CASCADE'],
    notReported: ['ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_check', 'CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b'],
  },
  'renaming-column': {
    reported: ['ALTER TABLE users RENAME COLUMN email TO mail', 'ALTER TABLE users RENAME email TO mail'],
    notReported: ['ALTER TABLE users RENAME CONSTRAINT c1 TO c2', 'CREATE TABLE t (a int); ALTER TABLE t RENAME a TO b'],
  },
  'renaming-table': {
    reported: ['ALTER TABLE users RENAME TO accounts', 'ALTER TABLE public.users SET SCHEMA archive'],
    notReported: ['ALTER INDEX users_pkey RENAME TO accounts_pkey', 'CREATE TABLE t (a int); ALTER TABLE t RENAME TO u'],
  },
  'setting-not-null': {
    reported: ['ALTER TABLE users ALTER COLUMN email SET NOT NULL'],
    notReported: ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'CREATE TABLE t (a int); ALTER TABLE t ALTER a SET NOT NULL'],
  },
  'changing-column-type': {
    reported: ['ALTER TABLE orders ALTER COLUMN quantity TYPE bigint', 'ALTER TABLE orders ALTER quantity SET DATA TYPE text USING quantity::text'],
    notReported: ['ALTER TABLE orders ALTER COLUMN quantity SET DEFAULT 1', 'CREATE TABLE t (a int); ALTER TABLE t ALTER a TYPE bigint'],
  },
  'revoking-privileges': {
    reported: [
      'REVOKE INSERT, UPDATE ON orders, public.items FROM app',
      'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC',
      'REVOKE SELECT (email) ON users FROM app',
      'REVOKE USAGE ON SCHEMA billing FROM app',
      'REVOKE EXECUTE ON FUNCTION total(int) FROM app',
      'REVOKE app_writer FROM app',
    ],
    notReported: [
      'GRANT SELECT ON orders TO app',
      'GRANT app_writer TO app',
      'ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM app',
      'CREATE TABLE scratch (a int); REVOKE ALL ON scratch FROM PUBLIC',
    ],
  },
  'restricting-row-access': {
    reported: [
      'ALTER TABLE orders ENABLE ROW LEVEL SECURITY',
      'ALTER TABLE orders FORCE ROW LEVEL SECURITY',
      'CREATE POLICY tenant_only ON orders AS RESTRICTIVE FOR SELECT TO app USING (tenant = 1)',
      'ALTER POLICY everything ON orders USING (false)',
      'DROP POLICY IF EXISTS everything ON orders',
    ],
    notReported: [
      'CREATE POLICY everything ON orders USING (true)',
      'ALTER TABLE orders DISABLE ROW LEVEL SECURITY',
      'CREATE TABLE notes (a int); ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON notes AS RESTRICTIVE USING (a > 0)',
    ],
  },
  'truncating-table': {
    reported: ['TRUNCATE orders', 'TRUNCATE TABLE orders, items RESTART IDENTITY', 'CREATE TABLE scratch (a int); TRUNCATE scratch CASCADE'],
    notReported: ['DELETE FROM orders WHERE id < 100', 'CREATE TABLE scratch (a int); TRUNCATE scratch'],
  },
  'dropping-table': {
    reported: ['DROP TABLE audit_log', 'DROP TABLE IF EXISTS public.audit_log, sessions CASCADE'],
    notReported: ['DROP SEQUENCE audit_log_id_seq', 'CREATE TABLE scratch (a int); DROP TABLE scratch'],
  },
  'dropping-default-on-not-null': {
    reported: ['ALTER TABLE accounts ALTER COLUMN status DROP DEFAULT'],
    notReported: [
      'ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 1',
      "CREATE TABLE accounts (status text NOT NULL DEFAULT 'a'); ALTER TABLE accounts ALTER status DROP DEFAULT",
    ],
  },
  'adding-constraint-without-not-valid': {
    reported: [
      'ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0)',
      'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id)',
    ],
    notReported: [
      'ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID',
      'ALTER TABLE products VALIDATE CONSTRAINT price_positive',
    ],
  },
  'adding-unique-constraint': {
    reported: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)', 'ALTER TABLE users ADD PRIMARY KEY (id)'],
    notReported: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx', 'CREATE TABLE t (a int); ALTER TABLE t ADD UNIQUE (a)'],
  },
  'constraint-applies-to-old-writes': {
    reported: [
      'ALTER TABLE products ADD CONSTRAINT p CHECK (price > 0) NOT VALID',
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email)',
    ],
    notReported: ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'ALTER TABLE products VALIDATE CONSTRAINT p'],
  },
  'dropping-view': {
    reported: ['DROP VIEW named_users', 'DROP MATERIALIZED VIEW IF EXISTS daily_totals'],
    notReported: ['CREATE OR REPLACE VIEW named_users AS SELECT 1 AS one', 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals'],
  },
  'renaming-view': {
    reported: ['ALTER VIEW named_users RENAME TO user_names', 'ALTER MATERIALIZED VIEW daily RENAME TO per_day'],
    notReported: ['ALTER VIEW named_users OWNER TO app', 'CREATE VIEW v AS SELECT 1 AS one'],
  },
  'dropping-function': {
    reported: ['DROP FUNCTION price_with_tax(numeric)', 'DROP PROCEDURE archive_orders()'],
    notReported: ['CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'DROP TRIGGER t ON users'],
  },
  'renaming-function': {
    reported: ['ALTER FUNCTION price_with_tax(numeric) RENAME TO gross_price'],
    notReported: ['ALTER FUNCTION price_with_tax(numeric) OWNER TO app'],
  },
  'renaming-enum-value': {
    reported: ["ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy'"],
    notReported: ["ALTER TYPE mood ADD VALUE 'calm'", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm' BEFORE 'sad'"],
  },
  'dropping-type': {
    reported: ['DROP TYPE mood', 'DROP DOMAIN IF EXISTS positive_int'],
    notReported: ["CREATE TYPE mood AS ENUM ('a')", 'DROP EXTENSION IF EXISTS unused_ext'],
  },
  'dropping-schema': {
    reported: ['DROP SCHEMA reporting CASCADE', 'DROP DATABASE legacy'],
    notReported: ['CREATE SCHEMA reporting', 'ALTER SCHEMA reporting OWNER TO app'],
  },
  'dropping-not-null': {
    reported: ['ALTER TABLE users ALTER COLUMN name DROP NOT NULL'],
    notReported: ['ALTER TABLE users ALTER COLUMN name SET DEFAULT 1', 'CREATE TABLE t (a int NOT NULL); ALTER TABLE t ALTER a DROP NOT NULL'],
  },
  'dropping-constraint': {
    reported: ['ALTER TABLE users DROP CONSTRAINT users_email_key', 'ALTER TABLE users DROP CONSTRAINT IF EXISTS c CASCADE'],
    notReported: ['ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID', 'CREATE TABLE t (a int UNIQUE); ALTER TABLE t DROP CONSTRAINT t_a_key'],
  },
  'create-index-without-concurrently': {
    reported: ['CREATE INDEX users_name_idx ON users (name)', 'CREATE UNIQUE INDEX ON users (email)'],
    notReported: ['CREATE INDEX CONCURRENTLY users_name_idx ON users (name)', 'CREATE TABLE t (a int); CREATE INDEX ON t (a)'],
  },
  'drop-index-without-concurrently': {
    reported: ['DROP INDEX users_name_idx', 'DROP INDEX IF EXISTS a_idx, b_idx'],
    notReported: ['DROP INDEX CONCURRENTLY users_name_idx'],
  },
  'concurrently-in-transaction': {
    reported: [
      'BEGIN; CREATE INDEX CONCURRENTLY users_name_idx ON users (name); COMMIT',
      'START TRANSACTION; DROP INDEX CONCURRENTLY users_name_idx',
    ],
    notReported: [
      'CREATE INDEX CONCURRENTLY users_name_idx ON users (name)',
      'BEGIN; COMMIT; CREATE INDEX CONCURRENTLY users_name_idx ON users (name)',
      'BEGIN; ROLLBACK; DROP INDEX CONCURRENTLY users_name_idx',
    ],
  },
  'table-rewrite': {
    reported: [
      'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE users ADD COLUMN seq bigserial',
      'ALTER TABLE users ADD COLUMN total numeric GENERATED ALWAYS AS (price * 2) STORED',
      'ALTER TABLE users SET LOGGED',
      'VACUUM FULL users',
      'CLUSTER users USING users_pkey',
    ],
    notReported: ['ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()', 'VACUUM ANALYZE users'],
  },
  'unbatched-update': {
    reported: ['UPDATE users SET name = lower(name)', 'DELETE FROM sessions'],
    notReported: ['UPDATE users SET name = lower(name) WHERE id BETWEEN 1 AND 1000', 'CREATE TABLE t (a int); UPDATE t SET a = 1'],
  },
};

test('every rule has cases', () => {
  expect(MIGRATION_RULES.map((rule) => rule.id).sort()).toEqual(Object.keys(CASES).sort());
});

describe.each(Object.entries(CASES))('%s', (rule, cases) => {
  test.each(cases.reported)('reports %s', async (sql) => {
    expect(await rulesOf(sql)).toContain(rule);
  });
  test.each(cases.notReported)('does not report %s', async (sql) => {
    expect(await rulesOf(sql)).not.toContain(rule);
  });
});

test('every rule has an id in kebab-case, a reason and a recipe of several steps', () => {
  for (const rule of MIGRATION_RULES) {
    expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(rule.reason.length).toBeGreaterThan(40);
    expect(rule.recipe.length).toBeGreaterThanOrEqual(2);
  }
});

describe('dropping-default-on-not-null uses what earlier migrations say about the column', () => {
  test('reports a column an earlier file created NOT NULL, and names it as NOT NULL', async () => {
    const findings = await findingsOf("CREATE TABLE accounts (status text NOT NULL DEFAULT 'a')", 'ALTER TABLE accounts ALTER status DROP DEFAULT');
    expect(findings.map((finding) => [finding.file, finding.rule, finding.message]))
      .toEqual([['002.sql', 'dropping-default-on-not-null', expect.stringContaining('NOT NULL column accounts.status')]]);
  });
  test('does not report a column an earlier file created nullable', async () => {
    expect(await rulesOf("CREATE TABLE accounts (status text DEFAULT 'a')", 'ALTER TABLE accounts ALTER status DROP DEFAULT')).toEqual([]);
  });
  test('follows DROP NOT NULL and SET NOT NULL', async () => {
    const create = "CREATE TABLE accounts (status text NOT NULL DEFAULT 'a')";
    expect(await rulesOf(create, 'ALTER TABLE accounts ALTER status DROP NOT NULL', 'ALTER TABLE accounts ALTER status DROP DEFAULT'))
      .toEqual(['dropping-not-null']);
    expect(await rulesOf("CREATE TABLE accounts (status text DEFAULT 'a')", '-- cdk-blue-green: allow setting-not-null: empty table\nALTER TABLE accounts ALTER status SET NOT NULL',
      'ALTER TABLE accounts ALTER status DROP DEFAULT')).toEqual(['setting-not-null', 'dropping-default-on-not-null']);
  });
  test('a column of a primary key is NOT NULL', async () => {
    expect(await rulesOf('CREATE TABLE t (id int DEFAULT 1, PRIMARY KEY (id))', 'ALTER TABLE t ALTER id DROP DEFAULT')).toEqual(['dropping-default-on-not-null']);
  });
});

describe('changing-column-type lets through only widenings of a column whose type earlier migrations declare', () => {
  const create = 'CREATE TABLE customers (id int, email varchar(50), note text, code varchar, balance numeric(7,2), ratio numeric(5), tags varchar(10)[])';
  test.each([
    'ALTER TABLE customers ALTER email TYPE varchar(255)',
    'ALTER TABLE customers ALTER email TYPE character varying(50)',
    'ALTER TABLE customers ALTER email TYPE text',
    'ALTER TABLE customers ALTER email TYPE varchar',
    'ALTER TABLE customers ALTER note TYPE varchar',
    'ALTER TABLE customers ALTER code TYPE text',
    'ALTER TABLE customers ALTER balance TYPE numeric(12,2)',
    'ALTER TABLE customers ALTER balance TYPE decimal',
    'ALTER TABLE customers ALTER ratio TYPE numeric(9, 0)',
  ])('a widening is not reported: %s', async (sql) => {
    expect(await rulesOf(create, sql)).toEqual([]);
  });

  test.each([
    ['ALTER TABLE customers ALTER email TYPE varchar(40)', 'from varchar(50), which is not a widening'],
    ['ALTER TABLE customers ALTER note TYPE varchar(200)', 'from text, which is not a widening'],
    ['ALTER TABLE customers ALTER code TYPE varchar(200)', 'from varchar, which is not a widening'],
    ['ALTER TABLE customers ALTER balance TYPE numeric(12,3)', 'from numeric(7,2), which is not a widening'],
    ['ALTER TABLE customers ALTER balance TYPE numeric(6,2)', 'to numeric(6,2) in place from numeric(7,2)'],
    ['ALTER TABLE customers ALTER id TYPE bigint', 'to int8 in place while the running version uses the old type'],
    ['ALTER TABLE customers ALTER id TYPE integer', 'to int4 in place while'],
    ['ALTER TABLE customers ALTER tags TYPE varchar(20)[]', 'to varchar(20)[] in place while'],
    ['ALTER TABLE customers ALTER ratio TYPE numeric(9, 2)', 'from numeric(5), which is not a widening'],
    ['ALTER TABLE customers ALTER email TYPE varchar(255) USING lower(email)', 'converting its values'],
    ['ALTER TABLE customers ALTER email TYPE varchar(255) COLLATE "C"', 'converting its values'],
    ['ALTER TABLE customers ALTER missing TYPE varchar(255)', 'the checked migrations do not declare its type'],
  ])('anything else is reported: %s', async (sql, message) => {
    const findings = await findingsOf(create, sql);
    expect(findings.map((finding) => [finding.file, finding.rule])).toEqual([['002.sql', 'changing-column-type']]);
    expect(findings[0].message).toContain(message);
  });

  test('follows the type through earlier changes, ADD COLUMN and a re-created table', async () => {
    expect(await rulesOf(create, 'ALTER TABLE customers ALTER email TYPE varchar(100)', 'ALTER TABLE customers ALTER email TYPE varchar(80)'))
      .toEqual(['changing-column-type']);
    expect(await rulesOf(create, 'ALTER TABLE customers ADD COLUMN city varchar(30)', 'ALTER TABLE customers ALTER city TYPE varchar(60)')).toEqual([]);
    expect(await rulesOf(create, 'ALTER TABLE customers ALTER email TYPE int USING 0', 'ALTER TABLE customers ALTER email TYPE varchar(500)'))
      .toEqual(['changing-column-type', 'changing-column-type']);
  });
});

test('a transaction opened in one file does not reach into the next', async () => {
  expect(await rulesOf('BEGIN', 'CREATE INDEX CONCURRENTLY i ON users (name)')).toEqual([]);
});

test('a table created in an earlier file is not new any more', async () => {
  expect(await rulesOf('CREATE TABLE t (a int)', 'ALTER TABLE t DROP COLUMN a')).toEqual(['dropping-column']);
});

test('a table renamed after its creation in the same file is still new', async () => {
  expect(await rulesOf('CREATE TABLE t (a int); ALTER TABLE t RENAME TO u; ALTER TABLE u DROP COLUMN a')).toEqual([]);
});

test('revoking, row-security and truncate findings name what they affect', async () => {
  const messages = async (sql: string): Promise<string[]> => (await findingsOf(sql)).map((finding) => finding.message);
  expect(await messages('REVOKE INSERT, SELECT (email) ON orders, public.items FROM app, PUBLIC'))
    .toEqual(['INSERT, SELECT (email) on table orders, public.items revoked from app, PUBLIC']);
  expect(await messages('REVOKE ALL ON ALL SEQUENCES IN SCHEMA billing FROM app')).toEqual(['ALL privileges on all sequences in schema billing revoked from app']);
  expect(await messages('REVOKE app_writer, app_reader FROM app')).toEqual(['membership in app_writer, app_reader (and the privileges it gives) revoked from app']);
  expect(await messages('DROP POLICY everything ON billing.orders')).toEqual(['policy everything on billing.orders is dropped: rows it admitted are hidden from the running version']);
  expect(await messages('ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY')).toEqual([
    'ENABLE ROW LEVEL SECURITY on orders: the running version sees only the rows a policy admits for its role',
    'FORCE ROW LEVEL SECURITY on orders: the running version sees only the rows a policy admits for its role',
  ]);
  expect(await messages('TRUNCATE orders, items CASCADE'))
    .toEqual(['TRUNCATE empties orders, items and, with CASCADE, every table with a foreign key to them under an ACCESS EXCLUSIVE lock']);
});

test('one finding per affected object, each naming it', async () => {
  const findings = await findingsOf('ALTER TABLE users DROP COLUMN a, DROP COLUMN b');
  expect(findings.map((finding) => finding.message)).toEqual([
    expect.stringContaining('users.a'),
    expect.stringContaining('users.b'),
  ]);
});
