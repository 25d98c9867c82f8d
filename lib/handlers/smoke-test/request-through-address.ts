// GET a URL by connecting to given addresses instead of the ones its host name resolves to, with
// the URL's own Host header, so the load balancer and the application see the same request as
// through DNS. Node's fetch can neither be given an address to connect to nor a Host header.
import { request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The address that answered. */
  readonly address: string;
}

/** Every address refused or dropped the connection before a response started. */
export class NoAddressAnswered extends Error {
  constructor(public readonly failures: readonly { readonly address: string; readonly reason: string }[]) {
    super(failures.map((f) => `${f.reason} from ${f.address}`).join(', '));
    this.name = 'NoAddressAnswered';
  }
}

/** The connection failed before any response: another address of the same load balancer may answer. */
class ConnectionFailed extends Error {
  constructor(public readonly reason: string) {
    super(reason);
  }
}

/**
 * Tries the addresses in order until one answers; a response (any status) ends the search. One
 * `signal` bounds the whole call: when it aborts, its reason is thrown.
 */
export async function getThroughAddresses(
  url: URL,
  addresses: readonly string[],
  options: { readonly signal: AbortSignal; readonly headers: Record<string, string> },
): Promise<HttpAnswer> {
  if (url.protocol !== 'http:') {
    throw new Error(`the smoke test reaches the load balancer's private addresses over http: only, got ${url.href}`);
  }
  const failures: { address: string; reason: string }[] = [];
  for (const address of addresses) {
    options.signal.throwIfAborted();
    try {
      return { ...await getOnce(url, address, options), address };
    } catch (error) {
      if (!(error instanceof ConnectionFailed)) {
        throw error;
      }
      failures.push({ address, reason: error.reason });
    }
  }
  throw new NoAddressAnswered(failures);
}

function getOnce(
  url: URL,
  address: string,
  options: { readonly signal: AbortSignal; readonly headers: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const onAbort = () => {
      reject(options.signal.reason);
      req.destroy();
    };
    const settle = (finish: () => void) => {
      options.signal.removeEventListener('abort', onAbort);
      finish();
    };
    const req = request({
      host: address,
      port: url.port || 80,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { ...options.headers, host: url.host },
    }, (res) => {
      responded = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body })));
      res.on('error', (error) => settle(() => reject(error)));
      // A connection closed mid-body emits neither 'end' nor always 'error'.
      res.on('close', () => settle(() => reject(Object.assign(
        new Error(`the connection closed before the response body ended (status ${res.statusCode})`), { code: 'ECONNRESET' }))));
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle(() =>
      reject(responded ? error : new ConnectionFailed(error.code ?? error.message))));
    options.signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
