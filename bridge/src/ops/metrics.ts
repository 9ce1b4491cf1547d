/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written by hand: the bridge
 * needs a handful of counters, gauges and one histogram, and observing them sits on the hot path
 * of every frame, so a few lines of our own beat a library's registry, label hashing and
 * dependencies. Label values are escaped, and each metric keeps at most MAX_SERIES label values
 * (the rest count under "other") so that a misbehaving caller cannot grow memory without end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BridgeMetrics {
  connections: { set(n: number): void };
  handshakesRefused: { inc(reason: string): void };
  eventsIn: { inc(source: string): void };
  framesOut: { inc(n?: number): void };
  latency: { observe(seconds: number): void };
  slowConsumers: { inc(): void };
  sourceUp: { set(source: string, up: 0 | 1): void };
  /** Cluster mode (--redis): Redis health, writes held or dropped during an outage, resyncs, leases. */
  cluster: ClusterMetrics;
  /** GET /metrics */
  route(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The exposition text (tests, the bench). */
  render(): string;
}

export interface ClusterMetrics {
  redisUp: { set(up: 0 | 1): void };
  redisErrors: { inc(): void };
  writesBuffered: { set(n: number): void };
  writesDropped: { inc(n?: number): void };
  resyncs: { inc(): void };
  outageCloses: { inc(): void };
  leaseHeld: { set(source: string, held: 0 | 1): void };
}

const MAX_SERIES = 100;
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const number = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

class Labelled {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly label: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  private key(value: string): string {
    const text = String(value).slice(0, 128);
    return this.values.has(text) || this.values.size < MAX_SERIES ? text : 'other';
  }
  add(value: string, n: number): void {
    const key = this.key(value);
    this.values.set(key, (this.values.get(key) ?? 0) + n);
  }
  set(value: string, n: number): void {
    this.values.set(this.key(value), n);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [value, n] of this.values)
      lines.push(`${this.name}{${this.label}="${escapeLabel(value)}"} ${number(n)}`);
    return lines.join('\n');
  }
}

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.sum += seconds;
    this.count += 1;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= (LATENCY_BUCKETS[i] ?? Infinity)) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        return;
      }
    }
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((bound, i) => {
      cumulative += this.counts[i] ?? 0;
      lines.push(`${this.name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    );
    return lines.join('\n');
  }
}

const scalar = (name: string, type: string, help: string, value: number) =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${number(value)}`;

export function createMetrics(): BridgeMetrics {
  let connections = 0;
  let framesOut = 0;
  let slowConsumers = 0;
  const refused = new Labelled(
    'popline_bridge_handshakes_refused_total',
    'reason',
    'Handshakes refused, by reason.',
    'counter',
  );
  const eventsIn = new Labelled(
    'popline_bridge_events_in_total',
    'source',
    'Call events received, by source.',
    'counter',
  );
  const sourceUp = new Labelled(
    'popline_bridge_source_up',
    'source',
    'Whether a source is healthy (1) or not (0).',
    'gauge',
  );
  const latency = new Histogram(
    'popline_bridge_event_latency_seconds',
    'From a call event entering the bridge to its frame being handed to the agent socket.',
  );
  const started = Date.now() / 1000;
  const cluster = {
    enabled: false,
    redisUp: 0,
    redisErrors: 0,
    writesBuffered: 0,
    writesDropped: 0,
    resyncs: 0,
    outageCloses: 0,
  };
  const leaseHeld = new Labelled(
    'popline_bridge_lease_held',
    'source',
    'Whether this node holds the lease of a single-connection source (1) or not (0).',
    'gauge',
  );
  const renderCluster = () =>
    cluster.enabled
      ? [
          scalar('popline_bridge_redis_up', 'gauge', 'Whether Redis is reachable (1) or not (0).', cluster.redisUp),
          scalar(
            'popline_bridge_redis_errors_total',
            'counter',
            'Redis connection losses and failed commands.',
            cluster.redisErrors,
          ),
          scalar(
            'popline_bridge_redis_writes_buffered',
            'gauge',
            'Call events waiting for Redis (held while it is unreachable).',
            cluster.writesBuffered,
          ),
          scalar(
            'popline_bridge_redis_writes_dropped_total',
            'counter',
            'Call events dropped because the buffer for an unreachable Redis was full.',
            cluster.writesDropped,
          ),
          scalar(
            'popline_bridge_resyncs_total',
            'counter',
            'Times this node reloaded the calls from Redis and sent its agents a fresh snapshot.',
            cluster.resyncs,
          ),
          scalar(
            'popline_bridge_redis_outage_closes_total',
            'counter',
            'Times agents were closed with 1012 because Redis was unreachable past the bound.',
            cluster.outageCloses,
          ),
          leaseHeld.render(),
        ]
      : [];

  const render = () => {
    const usage = process.cpuUsage();
    const memory = process.memoryUsage();
    return `${[
      scalar('popline_bridge_connections', 'gauge', 'Agents connected (handshake done).', connections),
      refused.render(),
      eventsIn.render(),
      scalar('popline_bridge_frames_out_total', 'counter', 'Frames sent to agents.', framesOut),
      latency.render(),
      scalar(
        'popline_bridge_slow_consumers_dropped_total',
        'counter',
        'Agents disconnected because their socket buffer passed the bound.',
        slowConsumers,
      ),
      sourceUp.render(),
      ...renderCluster(),
      scalar('process_cpu_seconds_total', 'counter', 'User and system CPU time.', (usage.user + usage.system) / 1e6),
      scalar('process_resident_memory_bytes', 'gauge', 'Resident memory.', memory.rss),
      scalar('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', memory.heapUsed),
      scalar('process_start_time_seconds', 'gauge', 'Start time, unix seconds.', started),
    ].join('\n')}\n`;
  };

  return {
    connections: {
      set: (n) => {
        connections = n;
      },
    },
    handshakesRefused: { inc: (reason) => refused.add(reason, 1) },
    eventsIn: { inc: (source) => eventsIn.add(source, 1) },
    framesOut: {
      inc: (n = 1) => {
        framesOut += n;
      },
    },
    latency: { observe: (seconds) => latency.observe(seconds) },
    slowConsumers: {
      inc: () => {
        slowConsumers += 1;
      },
    },
    sourceUp: { set: (source, up) => sourceUp.set(source, up) },
    cluster: {
      redisUp: {
        set: (up) => {
          cluster.enabled = true;
          cluster.redisUp = up;
        },
      },
      redisErrors: {
        inc: () => {
          cluster.redisErrors += 1;
        },
      },
      writesBuffered: {
        set: (n) => {
          cluster.writesBuffered = n;
        },
      },
      writesDropped: {
        inc: (n = 1) => {
          cluster.writesDropped += n;
        },
      },
      resyncs: {
        inc: () => {
          cluster.resyncs += 1;
        },
      },
      outageCloses: {
        inc: () => {
          cluster.outageCloses += 1;
        },
      },
      leaseHeld: { set: (source, held) => leaseHeld.set(source, held) },
    },
    render,
    route: async (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
        res.end('use GET\n');
        return;
      }
      const body = render();
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
