// Does one HTTP response pass the smoke test? Pure, over plain data.

export interface HttpCheck {
  readonly path: string;
  readonly expectedStatus: number;
  /** Empty: the body is not checked. */
  readonly bodyMatches: string;
  readonly timeoutSeconds: number;
}

export type ResponseVerdict = { readonly passed: true } | { readonly passed: false; readonly reason: string };

/** At most this much of a body is quoted in a failure message. */
const QUOTED_BODY_CHARS = 200;

export function checkResponse(check: HttpCheck, status: number, body: string): ResponseVerdict {
  if (status !== check.expectedStatus) {
    return { passed: false, reason: `status ${status}, expected ${check.expectedStatus}; body starts with ${quote(body)}` };
  }
  if (check.bodyMatches && !new RegExp(check.bodyMatches).test(body)) {
    return { passed: false, reason: `status ${status} as expected, but the body does not match /${check.bodyMatches}/; body starts with ${quote(body)}` };
  }
  return { passed: true };
}

function quote(body: string): string {
  return JSON.stringify(body.length > QUOTED_BODY_CHARS ? `${body.slice(0, QUOTED_BODY_CHARS)}...` : body);
}
