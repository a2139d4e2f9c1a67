// The part of undici lazyoci uses: the connection agents and `request`. undici's own
// index also builds fetch, WebSocket, EventSource, caches and mock agents at load time,
// about 40 ms of every run's start-up spent on code lazyoci never calls. This module
// loads only the agent and request modules and wires them as the index does; its test
// checks that they are the very objects the index exports, so an undici upgrade that
// moves them fails the suite instead of a run.
import type * as Undici from 'undici';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import DispatcherImpl from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgentImpl from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import api from 'undici/lib/api/index.js';

// undici's index gives every dispatcher request/stream/pipeline/upgrade/connect this way.
Object.assign((DispatcherImpl as { prototype: object }).prototype, api);

export const Agent = AgentImpl as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentImpl as typeof Undici.EnvHttpProxyAgent;

export type { Dispatcher } from 'undici';

/** undici's `request(url, { dispatcher, … })`, always on the run's own dispatcher. */
export function request(
  url: URL | string,
  opts: { dispatcher: Undici.Dispatcher } & Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'>,
): Promise<Undici.Dispatcher.ResponseData> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = opts;
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}` });
}
