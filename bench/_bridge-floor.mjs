#!/usr/bin/env node
/**
 * The floor for bench/bridge.ts: the least a server must do for the same fan-out. A bare `ws`
 * server that takes each webhook POST, reads which agent it is for, and sends that one agent a
 * frame. No signature, no token, no book, no history. Clients say `connect` with their extension
 * first (answered at once) and ping (answered with pong), as they do against the bridge.
 * Prints `FLOOR <url>` once listening. Run by the bench, never on its own.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const agents = new Map();
let seq = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let event;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const socket = agents.get(event.callee);
    seq += 1;
    const frame =
      event.event === 'ended'
        ? { op: 'sessionClosed', seq, sessionId: event.callId, state: 'Completed' }
        : {
            op: 'sessionCreated',
            seq,
            session: {
              sessionId: event.callId,
              state: 'Ringing',
              caller: event.caller,
              callee: event.callee,
              startTime: event.time,
            },
          };
    if (socket) socket.send(JSON.stringify(frame));
    const body = '{"ok":true}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
});

const wss = new WebSocketServer({ server, path: '/cti' });
wss.on('connection', (socket) => {
  let extension;
  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (frame.op === 'connect' && typeof frame.extension === 'string') {
      extension = frame.extension;
      agents.set(extension, socket);
      socket.send(JSON.stringify({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', extension, heartbeat: 20 }));
      socket.send(JSON.stringify({ op: 'sessionsSnapshot', seq, sessions: [] }));
    } else if (frame.op === 'ping') socket.send(JSON.stringify({ op: 'pong', t: frame.t }));
  });
  socket.on('close', () => {
    if (extension && agents.get(extension) === socket) agents.delete(extension);
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`FLOOR ws://127.0.0.1:${server.address().port}/cti\n`);
});
process.on('SIGTERM', () => process.exit(0));
