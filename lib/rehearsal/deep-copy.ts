// A deep copy made with this realm's constructors. Node's structuredClone returns objects of the
// main realm; under Jest (a vm context) those fail "is this a plain object" checks in libraries
// such as aws-local-stepfunctions, which then silently skip nested "key.$" paths.

export function deepCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => deepCopy(v)) as T;
  }
  if (value instanceof Date) {
    return new Date(value.getTime()) as T;
  }
  if (value instanceof Set) {
    return new Set([...value].map((v) => deepCopy(v))) as T;
  }
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [k, deepCopy(v)])) as T;
  }
  if (ArrayBuffer.isView(value)) {
    return Uint8Array.from(value as unknown as Uint8Array) as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = deepCopy(v);
  }
  return out as T;
}
