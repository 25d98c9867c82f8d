// Virtual time for a rehearsal: a tiny discrete-event scheduler. Every concurrent activity (a state
// machine execution, the custom-resource poller) is a "process". A process that waits (a Wait
// state, a retry back-off, a handler's setTimeout) blocks on a timer; only when every process is
// blocked does the clock jump to the earliest timer. So waits take no real time, and two processes
// (e.g. a rollout and the poller waiting for it) see one consistent timeline.
import * as FakeTimers from '@sinonjs/fake-timers';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  /** True for timers a process blocks on; false for scenario events (nobody waits for them). */
  readonly resumesProcess: boolean;
  /** Rejects the waiting process when the clock stops on runaway time. */
  readonly fail?: (error: Error) => void;
}

/** Time of day virtual time starts at: fixed, so rehearsal output is reproducible. */
export const REHEARSAL_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);

export class VirtualClock {
  public readonly startMs: number;
  private nowMs: number;
  private timers: Timer[] = [];
  private sequence = 0;
  private active = 0;
  private advanceQueued = false;
  private installed?: ReturnType<typeof FakeTimers.install>;
  private failure?: Error;

  constructor(options: { readonly startMs?: number; readonly maxVirtualSeconds?: number } = {}) {
    this.startMs = options.startMs ?? REHEARSAL_EPOCH;
    this.nowMs = this.startMs;
    this.maxVirtualMs = (options.maxVirtualSeconds ?? 48 * 3600) * 1000;
  }

  private readonly maxVirtualMs: number;

  /** Replaces the global Date (only Date: real timers keep the event loop moving) with this clock. */
  public install(): void {
    if (this.installed) return;
    this.installed = FakeTimers.install({ now: this.nowMs, toFake: ['Date'] });
  }

  public uninstall(): void {
    this.installed?.uninstall();
    this.installed = undefined;
  }

  public now(): number {
    return this.nowMs;
  }

  /** Virtual seconds since the rehearsal started. */
  public elapsedSeconds(): number {
    return (this.nowMs - this.startMs) / 1000;
  }

  public isoNow(): string {
    return new Date(this.nowMs).toISOString();
  }

  /** Runs `body` as a process: the clock does not advance while it is doing real work. */
  public async runProcess<T>(body: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await body();
    } finally {
      this.active--;
      this.queueAdvance();
    }
  }

  /** Blocks the calling process for `seconds` of virtual time. */
  public sleep(seconds: number): Promise<void> {
    return this.interruptibleSleep(seconds).done;
  }

  /**
   * A sleep that can be ended early: `interrupt()` resumes the process now (used when an
   * execution is stopped while it waits).
   */
  public interruptibleSleep(seconds: number): { readonly done: Promise<void>; interrupt(resumesProcess?: boolean): void } {
    if (!(seconds > 0)) {
      return { done: Promise.resolve(), interrupt: () => undefined };
    }
    if (this.failure) {
      return { done: Promise.reject(this.failure), interrupt: () => undefined };
    }
    let timer: Timer | undefined;
    let wake!: (resumesProcess?: boolean) => void;
    const done = new Promise<void>((resolve, reject) => {
      this.active--;
      wake = (resumesProcess = true) => {
        if (resumesProcess) this.active++;
        resolve();
      };
      timer = this.push(this.nowMs + seconds * 1000, () => wake(), true, (error) => {
        this.active++;
        reject(error);
      });
    });
    return {
      done,
      /**
       * Ends the sleep now. `resumesProcess: false` for a leftover that only finishes (a stopped
       * Map iteration): it was never counted as a process of its own, so it is not counted back.
       */
      interrupt: (resumesProcess = true) => {
        const index = timer ? this.timers.indexOf(timer) : -1;
        if (index >= 0) {
          this.timers.splice(index, 1);
          wake(resumesProcess);
        }
      },
    };
  }

  /** Blocks the calling process until an absolute virtual time (no-op if it has passed). */
  public sleepUntil(epochMs: number): Promise<void> {
    return this.sleep((epochMs - this.nowMs) / 1000);
  }

  /** Runs `action` when virtual time reaches `secondsFromStart` (scenario events). */
  public at(secondsFromStart: number, action: () => void): void {
    this.push(this.startMs + secondsFromStart * 1000, action, false);
  }

  /**
   * A setTimeout for handler code: the process that called it counts as blocked until the timer
   * fires or is cleared (handlers sleep between polls; a cleared timer was a race that lost).
   */
  public setTimeout = (callback: (...args: any[]) => void, ms?: number, ...args: any[]): any => {
    const delay = Number(ms ?? 0);
    if (!(delay > 0)) {
      return setTimeout(callback, 0, ...args);
    }
    this.active--;
    const resume = () => {
      this.active++;
      callback(...args);
    };
    // When the clock stops, the handler is let go at once (its next virtual wait fails) rather
    // than left hanging until the interpreter's real-time task timeout.
    const timer = this.push(this.nowMs + delay, resume, true, resume);
    return { virtualTimer: timer };
  };

  public clearTimeout = (handle: any): void => {
    if (handle && typeof handle === 'object' && 'virtualTimer' in handle) {
      const index = this.timers.indexOf(handle.virtualTimer);
      if (index >= 0) {
        this.timers.splice(index, 1);
        this.active++;
      }
      return;
    }
    clearTimeout(handle);
  };

  /** The error that stopped the clock (runaway virtual time), if any. */
  public get stopped(): Error | undefined {
    return this.failure;
  }

  /** Stops the clock: every waiting process is resumed with `error`. */
  private stop(error: Error, pending?: Timer): void {
    this.failure = error;
    const waiting = pending ? this.timers.concat(pending) : this.timers;
    this.timers = [];
    for (const timer of waiting) {
      timer.fail?.(error);
    }
  }

  private push(at: number, fire: () => void, resumesProcess: boolean, fail?: (error: Error) => void): Timer {
    const timer: Timer = { at, seq: this.sequence++, fire, resumesProcess, fail };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.queueAdvance();
    return timer;
  }

  private queueAdvance(): void {
    if (this.advanceQueued) return;
    this.advanceQueued = true;
    // Let promise chains (mocked SDK calls, the interpreter's bookkeeping) settle first: only a
    // process that is still blocked after that really waits for time to pass.
    setImmediate(() => {
      this.advanceQueued = false;
      this.advance();
    });
  }

  private advance(): void {
    // Scenario events after the last waiting process are never reached: time only passes for
    // someone who waits.
    while (this.active <= 0 && this.timers.some((t) => t.resumesProcess)) {
      const next = this.timers.shift() as Timer;
      if (next.at > this.nowMs) {
        if (next.at - this.startMs > this.maxVirtualMs) {
          this.stop(new Error(
            `rehearsal: virtual time would pass ${this.maxVirtualMs / 3600000} hours; the state machine is probably ` +
            'looping. Raise maxVirtualSeconds if the plan really is that long.',
          ), next);
          return;
        }
        this.nowMs = next.at;
        this.installed?.setSystemTime(this.nowMs);
      }
      if (next.resumesProcess) {
        next.fire();
      } else {
        try {
          next.fire();
        } catch (error) {
          // A scenario that cannot happen (e.g. an alarm name that does not exist) stops the
          // rehearsal at once instead of leaving the rollout blocked.
          this.stop(new Error(`rehearsal: the scenario event at ${this.elapsedSeconds()} s failed: ${(error as Error).message}`));
          return;
        }
      }
      if (next.resumesProcess) {
        // One process resumes at a time, so equal-time timers keep their order.
        this.queueAdvance();
        return;
      }
    }
  }
}
