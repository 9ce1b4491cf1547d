/**
 * Prometheus metrics (bridge/src/ops/metrics.ts): names, types, histogram buckets, label escaping,
 * bounded series, and GET /metrics over HTTP.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../../bridge/src/ops/metrics';

test('renders every metric in the text exposition format', () => {
  const m = createMetrics();
  m.connections.set(3);
  m.handshakesRefused.inc('token expired');
  m.handshakesRefused.inc('token expired');
  m.eventsIn.inc('hooks');
  m.framesOut.inc();
  m.framesOut.inc(4);
  m.latency.observe(0.003);
  m.latency.observe(0.03);
  m.latency.observe(7);
  m.slowConsumers.inc();
  m.sourceUp.set('hooks', 1);
  m.sourceUp.set('sim', 0);
  const text = m.render();
  for (const line of [
    '# TYPE popline_bridge_connections gauge',
    'popline_bridge_connections 3',
    '# TYPE popline_bridge_handshakes_refused_total counter',
    'popline_bridge_handshakes_refused_total{reason="token expired"} 2',
    'popline_bridge_events_in_total{source="hooks"} 1',
    'popline_bridge_frames_out_total 5',
    '# TYPE popline_bridge_event_latency_seconds histogram',
    'popline_bridge_event_latency_seconds_bucket{le="0.0025"} 0',
    'popline_bridge_event_latency_seconds_bucket{le="0.005"} 1',
    'popline_bridge_event_latency_seconds_bucket{le="0.05"} 2',
    'popline_bridge_event_latency_seconds_bucket{le="2.5"} 2',
    'popline_bridge_event_latency_seconds_bucket{le="+Inf"} 3',
    'popline_bridge_event_latency_seconds_count 3',
    'popline_bridge_slow_consumers_dropped_total 1',
    'popline_bridge_source_up{source="hooks"} 1',
    'popline_bridge_source_up{source="sim"} 0',
  ])
    expect(text.split('\n')).toContain(line);
  expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
  expect(text.endsWith('\n')).toBe(true);
});

test('label values are escaped and their number is bounded', () => {
  const m = createMetrics();
  m.handshakesRefused.inc('a "quoted"\nreason\\');
  for (let i = 0; i < 500; i++) m.eventsIn.inc(`source-${i}`);
  const text = m.render();
  expect(text).toContain('popline_bridge_handshakes_refused_total{reason="a \\"quoted\\"\\nreason\\\\"} 1');
  const series = text.split('\n').filter((l) => l.startsWith('popline_bridge_events_in_total{'));
  expect(series).toHaveLength(101);
  expect(series).toContain('popline_bridge_events_in_total{source="other"} 400');
});

test('GET /metrics serves it; other methods get 405', async () => {
  const m = createMetrics();
  m.connections.set(7);
  const server = createServer((req, res) => void m.route(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('popline_bridge_connections 7');
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
