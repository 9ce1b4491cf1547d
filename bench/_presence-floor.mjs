#!/usr/bin/env node
/**
 * The floor for bench/presence.ts: the least a server must do to turn a PBX event into a presence
 * frame at every agent. A bare `ws` server that takes each webhook POST and sends every connected
 * agent the `clientStateChanged` it implies (ringing → `ringing`, ended → `offline`). No signature,
 * no token, no calls book, no directory. Prints `FLOOR <url>` once listening. Run by the bench only.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const agents = new Set();

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
    const text = JSON.stringify({
      op: 'clientStateChanged',
      phoneNumber: event.callee,
      status: 'OFFLINE',
      phone: event.event === 'ended' ? 'offline' : 'ringing',
      availability: 'available',
    });
    for (const socket of agents) socket.send(text);
    const body = '{"ok":true}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
});

const wss = new WebSocketServer({ server, path: '/cti' });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.op === 'connect') {
      socket.send(
        JSON.stringify({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', extension: frame.extension }),
      );
      socket.send(JSON.stringify({ op: 'directory', page: 1, pages: 1, users: [] }));
      agents.add(socket);
    } else if (frame.op === 'ping') socket.send(JSON.stringify({ op: 'pong', t: frame.t }));
  });
  socket.on('close', () => agents.delete(socket));
});

server.listen(0, '127.0.0.1', () => {
  console.log(`FLOOR ws://127.0.0.1:${server.address().port}/cti`);
});
