// HTTP from handler code (the smoke test) to the in-memory load balancer, through `fetch` or
// `node:http`, by DNS name or private address. The listener on the port and its rules pick a
// target group, as ELB would; the color behind it answers with what the scenario scripted.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { PassThrough } from 'node:stream';
import type { FleetModel } from './fleet-model';
import type { LoadBalancingModel, RuleState } from './load-balancing-model';

export interface HttpRequest {
  /** What the client connects to: the load balancer's DNS name or one of its private addresses. */
  readonly connectTo: string;
  readonly port: number;
  /** The Host header, which host-header conditions see. */
  readonly host: string;
  readonly path: string;
  readonly method: string;
}

export type HttpAnswer = { readonly status: number; readonly body: string } | { readonly unreachable: string };

/** The scripted answer of the targets of a target group, or undefined for the default 200 "OK". */
export type TargetAnswer = (targetGroupArn: string) => { readonly status: number; readonly body: string } | undefined;

export class LoadBalancerHttp {
  constructor(
    private readonly loadBalancing: LoadBalancingModel,
    private readonly fleets: FleetModel,
    private readonly answerOf: TargetAnswer,
  ) {}

  /**
   * One request. The first matching rule decides: a fixed response answers itself; a forward goes
   * to its highest-weighted target group, which answers 503 without healthy targets.
   */
  public async request(request: HttpRequest): Promise<HttpAnswer> {
    const lb = this.loadBalancing.loadBalancerByHost(request.connectTo);
    if (!lb) {
      return { unreachable: `${request.connectTo} is not a load balancer of the rehearsed stack` };
    }
    const listener = this.loadBalancing.allListeners().find((l) => l.loadBalancerArn === lb.arn && l.port === request.port);
    if (!listener) {
      return { unreachable: `nothing listens on port ${request.port} of ${request.connectTo}` };
    }
    const rules = this.loadBalancing.describeRules({ ListenerArn: listener.arn }).Rules as any[];
    const rule = rules.find((r) => r.IsDefault || matchesConditions(r.Conditions, request));
    const fixed = (rule.Actions as any[]).find((a) => a.Type === 'fixed-response')?.FixedResponseConfig;
    if (fixed) {
      return { status: Number(fixed.StatusCode), body: fixed.MessageBody ?? '' };
    }
    const target = this.loadBalancing.forwardTargets(this.loadBalancing.rule(rule.RuleArn) as RuleState)
      .sort((a, b) => b.weight - a.weight)[0];
    if (!target || target.weight === 0) {
      return { status: 503, body: 'rehearsal: the rule forwards nowhere' };
    }
    if (this.fleets.targetHealth(target.targetGroupArn).healthy === 0) {
      return { status: 503, body: '503 Service Temporarily Unavailable' };
    }
    return this.answerOf(target.targetGroupArn) ?? { status: 200, body: 'OK' };
  }

  /** `fetch` for handler code. */
  public async fetch(input: any, init?: any): Promise<Response> {
    const url = new URL(typeof input === 'string' ? input : input.url ?? String(input));
    const answer = await this.request({
      connectTo: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      host: url.hostname, path: url.pathname, method: init?.method ?? 'GET',
    });
    if ('unreachable' in answer) {
      throw new TypeError(`fetch failed (rehearsal: ${answer.unreachable})`);
    }
    return new Response(answer.body, { status: answer.status });
  }

  /** `node:http` for handler code: `request` and `get` reach the in-memory load balancer. */
  public nodeHttpModule(): unknown {
    const send = (options: any, callback?: (res: any) => void) => {
      const target = typeof options === 'string' || options instanceof URL ? new URL(String(options)) : undefined;
      const headers: Record<string, string> = Object.fromEntries(
        Object.entries(options?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const connectTo = target?.hostname ?? options.hostname ?? options.host ?? 'localhost';
      const port = Number(target?.port || options.port || 80);
      const request = new EventEmitter() as EventEmitter & Record<string, unknown>;
      let sent = false;
      Object.assign(request, {
        destroyed: false,
        setTimeout: () => request,
        setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value; },
        write: () => true,
        destroy: () => { request.destroyed = true; return request; },
        abort: () => { request.destroyed = true; },
        end: () => {
          if (sent) return request;
          sent = true;
          void this.request({
            connectTo, port,
            host: (headers.host ?? connectTo).split(':')[0],
            path: target ? `${target.pathname}${target.search}` : options.path ?? '/',
            method: options?.method ?? 'GET',
          }).then((answer) => {
            if (request.destroyed) return;
            if ('unreachable' in answer) {
              request.emit('error', Object.assign(
                new Error(`connect ECONNREFUSED ${connectTo}:${port} (rehearsal: ${answer.unreachable})`), { code: 'ECONNREFUSED' }));
              return;
            }
            const response = Object.assign(new PassThrough(), { statusCode: answer.status, headers: { 'content-type': 'text/plain' } });
            callback?.(response);
            request.emit('response', response);
            response.end(answer.body);
          });
          return request;
        },
      });
      return request;
    };
    return {
      ...http,
      request: send,
      get: (options: any, callback?: (res: any) => void) => (send(options, callback).end as () => unknown)(),
    };
  }
}

function matchesConditions(conditions: any[], request: HttpRequest): boolean {
  const glob = (pattern: string, value: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);
  return (conditions ?? []).every((c) => {
    const values: string[] = c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? c.Values ?? [];
    switch (c.Field) {
      case 'path-pattern': return values.some((v) => glob(v, request.path));
      case 'host-header': return values.some((v) => glob(v, request.host));
      case 'http-request-method': return (c.HttpRequestMethodConfig?.Values ?? values).includes(request.method.toUpperCase());
      default: return true;
    }
  });
}
