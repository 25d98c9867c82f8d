import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A throwaway PostgreSQL cluster in a temporary directory, reachable only through its own Unix socket. */
export interface PostgresServer {
  readonly socketDirectory: string;
  readonly port: number;
  readonly version: string;
  connect(database: string): Promise<Client>;
  stop(): void;
}

function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error('No PostgreSQL server binaries in /usr/lib/postgresql/<version>/bin. Install them with '
      + '`apt-get install -y postgresql` (.ci/run does this) and rerun the test.');
  }
  return join(root, versions[0], 'bin');
}

/**
 * initdb + pg_ctl start as the `postgres` user when running as root (PostgreSQL refuses to run as
 * root), with trust authentication, no TCP listener and fsync off: it is a test fixture.
 */
export function startPostgres(): PostgresServer {
  const bin = serverBinaries();
  const root = mkdtempSync(join(tmpdir(), 'cdk-blue-green-pg-'));
  const data = join(root, 'data');
  const socketDirectory = join(root, 'socket');
  mkdirSync(socketDirectory);
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): string => {
    const [file, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    return execFileSync(file, fullArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(root, uid, gid);
    chownSync(socketDirectory, uid, gid);
  }
  const port = 5432;
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', join(root, 'server.log'), '-o',
    `-k ${socketDirectory} -p ${port} -c listen_addresses= -c fsync=off -c full_page_writes=off`, 'start']);
  const version = run('postgres', ['--version']).trim();
  return {
    socketDirectory,
    port,
    version,
    connect: async (database) => {
      const client = new Client({ host: socketDirectory, port, user: 'postgres', database });
      await client.connect();
      return client;
    },
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('Running as root needs the "postgres" system user (the postgresql package creates it).');
  }
}
