import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time checks on user props. Each check names the construct path and the prop, says what is
 * allowed, and skips unresolved tokens (CloudFormation resolves those, and validates them itself).
 */
export class PropErrors {
  private readonly problems: string[] = [];

  constructor(private readonly constructPath: string) {}

  /** Records a problem; `throwIfAny` reports them all at once so a user fixes them in one pass. */
  public add(prop: string, message: string): void {
    this.problems.push(`${prop} ${message}`);
  }

  public integerInRange(prop: string, value: number | undefined, min: number, max: number, hint = ''): void {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(prop, `(${describe(value)}) must be an integer from ${min} to ${max}${hint ? `; ${hint}` : ''}.`);
    }
  }

  public secondsInRange(prop: string, value: Duration | undefined, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (!(value instanceof Duration)) {
      this.add(prop, `must be a Duration from ${min} to ${max} seconds (for example Duration.seconds(${min})).`);
      return undefined;
    }
    if (Token.isUnresolved(value.toString())) return undefined;
    let seconds: number;
    try {
      seconds = value.toSeconds();
    } catch {
      // Durations like Duration.millis(1500) are not a whole number of seconds.
      this.add(prop, `(${value.toHumanString()}) must be a whole number of seconds from ${min} to ${max}.`);
      return undefined;
    }
    if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
      this.add(prop, `(${value.toHumanString()}) must be a whole number of seconds from ${min} to ${max}.`);
      return undefined;
    }
    return seconds;
  }

  public nonEmptyString(prop: string, value: string | undefined, pattern?: RegExp, patternHint?: string): void {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (typeof value !== 'string' || value.length === 0) {
      this.add(prop, 'must be a non-empty string.');
    } else if (pattern && !pattern.test(value)) {
      this.add(prop, `(${JSON.stringify(value)}) ${patternHint ?? `must match ${pattern}`}.`);
    }
  }

  public required(prop: string, value: unknown, what: string): boolean {
    if (value === undefined || value === null) {
      this.add(prop, `is required: ${what}.`);
      return false;
    }
    return true;
  }

  public get count(): number {
    return this.problems.length;
  }

  public throwIfAny(): void {
    if (this.problems.length === 0) return;
    const list = this.problems.length === 1
      ? this.problems[0]
      : this.problems.map((p) => `\n  - ${p}`).join('');
    throw new Error(`${this.constructPath}: invalid props: ${list}`);
  }
}

/** Whether a number is known at synth time (not a CloudFormation token). */
export function isKnownNumber(value: number | undefined): value is number {
  return typeof value === 'number' && !Token.isUnresolved(value) && Number.isFinite(value);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return `${typeof value} ${JSON.stringify(value)}`;
}
