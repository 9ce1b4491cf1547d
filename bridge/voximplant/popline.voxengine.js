/**
 * PopLine for Voximplant: paste this file, unmodified, into a VoxEngine scenario of your application and
 * route your inbound numbers to it with a rule (docs/voximplant.md). Its settings live in the
 * application's key-value storage, not here:
 *   popline_bridge_url  https://bridge.example.com/sources/<source id>/events
 *   popline_secret      the "secret" of the bridge's voximplant source (16+ characters)
 *   popline_fallback    optional: where calls go when the bridge cannot be asked, "user:<name>" or a SIP URI
 *
 * Every call is reported to the bridge with a signed request (HMAC-SHA256 of "<unix time>.<body>") that
 * carries a per-session counter, so the bridge can drop duplicates and requests that overtook each
 * other. The bridge's answer says where to forward the call. Nothing the bridge does or fails to do can
 * drop the customer's call: when it cannot be reached, the call is forwarded all the same and the
 * failure is written with Logger.write. The bridge controls the call through this session's
 * accessSecureURL (AppEvents.HttpRequest): hang up, hold, unhold and transfer, each verified with the
 * same HMAC. Started with StartScenarios and custom data {"p":1,...}, the session is a click-to-dial:
 * the agent is called first and, once they answer, the customer.
 *
 * Written for VoxEngine's language level (ES2017/2018): no optional chaining, no catch without a binding.
 */
require(Modules.ApplicationStorage);

const POPLINE = { version: 1, timeout: 3, connectionTimeout: 2, skewSeconds: 300 };

let sessionId = '';
let controlUrl = '';
let counter = 0;
let settings = null; // { url, secret, fallback } once read
let settingsRead = null; // the Promise of it

/** The calls of this session: the customer, the agent's legs (1 = the first agent, then transfers). */
const s = {
  mode: 'inbound',
  customer: null,
  legs: {},
  leg: 0,
  answered: false,
  record: false,
  callerid: '',
  seen: {},
  intro: {},
  introduced: false,
};

async function storageValue(key) {
  try {
    const item = await ApplicationStorage.get(key);
    return item && typeof item.value === 'string' ? item.value : '';
  } catch (error) {
    Logger.write(`PopLine: cannot read ${key} from the application storage: ${error}`);
    return '';
  }
}

function readSettings() {
  settingsRead =
    settingsRead ||
    Promise.all([
      storageValue('popline_bridge_url'),
      storageValue('popline_secret'),
      storageValue('popline_fallback'),
    ]).then(([url, secret, fallback]) => {
      settings = { url, secret, fallback: parseTarget(fallback) };
      if (!url || !secret)
        Logger.write('PopLine: popline_bridge_url or popline_secret is not set; calls are not reported');
      return settings;
    });
  return settingsRead;
}

/** "user:anna" → {user}, "sip:..." → {sip}, "+4930..." → {pstn}; anything else → null. */
function parseTarget(text) {
  if (typeof text !== 'string' || !text) return null;
  if (text.indexOf('user:') === 0 && text.length > 5) return { user: text.slice(5) };
  if (/^sips?:/.test(text)) return { sip: text };
  if (/^\+?[0-9]{3,20}$/.test(text)) return { pstn: text };
  return null;
}

/** Tells the bridge; resolves with its JSON answer, or null (and a log line) when it could not. */
async function report(event, fields) {
  counter += 1;
  // Until the bridge has taken one request, each carries the call's introduction (the caller, or the
  // click-to-dial), so a bridge that was down for the first one still learns the call from the next.
  const intro = s.introduced ? {} : s.intro;
  const body = JSON.stringify(
    Object.assign(
      {
        v: POPLINE.version,
        session: sessionId,
        seq: counter,
        event,
        time: new Date().toISOString(),
        control: controlUrl,
      },
      intro,
      fields,
    ),
  );
  const config = settings || (await readSettings());
  if (!config.url || !config.secret) return null;
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const result = await Net.httpRequestAsync(config.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-PopLine-Timestamp': timestamp,
        'X-PopLine-Signature': `v1=${Crypto.hmac_sha256(config.secret, `${timestamp}.${body}`)}`,
      },
      postData: body,
      timeout: POPLINE.timeout,
      connectionTimeout: POPLINE.connectionTimeout,
    });
    if (result.code < 200 || result.code > 299) {
      const why = (result.text || result.error || '').slice(0, 300);
      Logger.write(`PopLine: the bridge refused "${event}" #${counter} (${result.code}): ${why}`);
      return null;
    }
    s.introduced = true;
    try {
      return JSON.parse(result.text || '{}');
    } catch (error) {
      return {};
    }
  } catch (error) {
    Logger.write(`PopLine: could not report "${event}" #${counter}: ${error}`);
    return null;
  }
}

function placeCall(target, callerid, displayName) {
  const headers = { 'X-PopLine-Session': sessionId };
  if (target.user) return VoxEngine.callUser({ username: target.user, callerid, displayName, extraHeaders: headers });
  if (target.sip) return VoxEngine.callSIP(target.sip, { callerid, displayName, headers });
  return VoxEngine.callPSTN(target.pstn, s.callerid || callerid);
}

function current() {
  return s.legs[s.leg];
}

function hangupAll(except) {
  for (const key of Object.keys(s.legs)) {
    const leg = s.legs[key];
    if (leg.call !== except && !leg.over) leg.call.hangup();
  }
  if (s.customer && s.customer !== except && !s.customerOver) s.customer.hangup();
}

// ---- the agent's legs ----

function watchLeg(n) {
  const leg = s.legs[n];
  const call = leg.call;
  call.addEventListener(CallEvents.Ringing, () => {
    if (s.mode === 'inbound' && n === 1 && s.customer && !s.answered) s.customer.ring();
    if (s.mode === 'inbound') report('ringing', { leg: n });
  });
  call.addEventListener(CallEvents.Connected, () => legConnected(n));
  call.addEventListener(CallEvents.Failed, (e) => {
    leg.over = true;
    if (leg.told) return;
    leg.told = true;
    report('failed', { leg: n, code: e.code, reason: String(e.reason || '') });
    if (n === s.leg || s.mode === 'dial') hangupAll(call);
    else if (s.legs[s.leg] && s.customer) VoxEngine.sendMediaBetween(s.customer, s.legs[s.leg].call);
  });
  call.addEventListener(CallEvents.Disconnected, (e) => {
    leg.over = true;
    if (leg.told) return; // Already told (transferred, or the other side ended first).
    leg.told = true;
    report('disconnected', { leg: n, by: leg.by || 'agent', duration: e.duration, reason: String(e.reason || '') });
    hangupAll(call);
  });
  call.addEventListener(CallEvents.OnHold, () => report('hold', { leg: n, by: 'agent' }));
  call.addEventListener(CallEvents.OffHold, () => report('unhold', { leg: n, by: 'agent' }));
}

function legConnected(n) {
  const leg = s.legs[n];
  leg.connected = true;
  if (s.mode === 'dial') return dialCustomer();
  if (n === 1) {
    s.answered = true;
    s.customer.answer();
    VoxEngine.sendMediaBetween(s.customer, leg.call);
    if (s.record) s.customer.record({ stereo: true });
    report('connected', { leg: n });
    return;
  }
  // A transfer was answered: the customer now talks to the new leg; the old one ends as transferred.
  const old = s.legs[s.leg];
  s.leg = n;
  VoxEngine.sendMediaBetween(s.customer, leg.call);
  report('connected', { leg: n });
  if (old && !old.over) {
    old.told = true;
    report('transferred', { leg: old.n, to: n });
    old.call.hangup();
  }
}

// ---- inbound ----

VoxEngine.addEventListener(AppEvents.Started, (e) => {
  sessionId = String(e.sessionId);
  controlUrl = e.accessSecureURL;
  readSettings();
  const data = parseDial(VoxEngine.customData());
  if (data) clickToDial(data);
});

VoxEngine.addEventListener(AppEvents.CallAlerting, async (e) => {
  s.customer = e.call;
  s.callerid = e.callerid;
  s.customer.addEventListener(CallEvents.Disconnected, (d) => {
    s.customerOver = true;
    const leg = current();
    if (leg && !leg.told) {
      leg.told = true;
      report('disconnected', {
        leg: leg.n,
        by: leg.by || 'customer',
        duration: d.duration,
        reason: String(d.reason || ''),
      });
    } else if (!leg) report('disconnected', { leg: 1, by: 'customer', duration: 0, reason: String(d.reason || '') });
    hangupAll(s.customer);
  });
  s.customer.addEventListener(CallEvents.OnHold, () => report('hold', { leg: s.leg || 1, by: 'customer' }));
  s.customer.addEventListener(CallEvents.OffHold, () => report('unhold', { leg: s.leg || 1, by: 'customer' }));
  s.customer.addEventListener(CallEvents.RecordStarted, (r) => report('record', { leg: s.leg || 1, url: r.url }));
  s.intro = {
    call: {
      callerid: e.callerid,
      displayName: e.displayName,
      destination: e.destination,
      fromURI: e.fromURI,
      toURI: e.toURI,
      headers: e.headers || {},
      customData: e.customData || '',
    },
  };
  const answer = await report('alerting', { leg: 1 });
  if (s.customerOver) return; // The caller gave up while the bridge was asked.
  const config = settings || { fallback: null };
  const target = (answer && parseTarget(answer.forward)) || config.fallback || { user: e.destination };
  if (!answer) Logger.write(`PopLine: forwarding without the bridge to ${JSON.stringify(target)}`);
  s.record = Boolean(answer && answer.record);
  s.leg = 1;
  s.legs[1] = { n: 1, call: placeCall(target, e.callerid, e.displayName) };
  watchLeg(1);
});

// ---- click-to-dial (StartScenarios with custom data) ----

function parseDial(text) {
  if (!text) return null;
  try {
    const data = JSON.parse(text);
    return data && data.p === 1 && typeof data.n === 'string' && parseTarget(data.t) ? data : null;
  } catch (error) {
    return null;
  }
}

function clickToDial(data) {
  s.mode = 'dial';
  s.dial = data;
  s.callerid = data.c || '';
  s.leg = 1;
  s.intro = { dial: { extension: data.x, number: data.n } };
  report('dialing', { leg: 1 });
  s.legs[1] = { n: 1, call: placeCall(parseTarget(data.t), data.n, 'PopLine') };
  watchLeg(1);
}

function dialCustomer() {
  const customer = VoxEngine.callPSTN(s.dial.n, s.callerid);
  s.customer = customer;
  customer.addEventListener(CallEvents.Ringing, () => report('ringing', { leg: 1 }));
  customer.addEventListener(CallEvents.Connected, () => {
    s.answered = true;
    VoxEngine.sendMediaBetween(s.legs[1].call, customer);
    if (s.record) customer.record({ stereo: true });
    report('connected', { leg: 1 });
  });
  customer.addEventListener(CallEvents.Failed, (e) => {
    s.customerOver = true;
    s.legs[1].told = true;
    report('failed', { leg: 1, code: e.code, reason: String(e.reason || ''), party: 'customer' });
    hangupAll(customer);
  });
  customer.addEventListener(CallEvents.Disconnected, (e) => {
    s.customerOver = true;
    const leg = s.legs[1];
    if (!leg.told) {
      leg.told = true;
      report('disconnected', {
        leg: 1,
        by: leg.by || 'customer',
        duration: e.duration,
        reason: String(e.reason || ''),
      });
    }
    hangupAll(customer);
  });
  customer.addEventListener(CallEvents.RecordStarted, (r) => report('record', { leg: 1, url: r.url }));
}

// ---- commands from the bridge ----

function header(headers, name) {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers || {})) if (key.toLowerCase() === wanted) return String(headers[key]);
  return '';
}

function sameText(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function refuse(error, message) {
  Logger.write(`PopLine: command refused (${error}): ${message}`);
  return JSON.stringify({ ok: false, error, message });
}

VoxEngine.addEventListener(AppEvents.HttpRequest, (e) => {
  if (!settings || !settings.secret) return refuse('unavailable', 'the scenario has no popline_secret yet');
  const timestamp = header(e.headers, 'X-PopLine-Timestamp');
  const signature = header(e.headers, 'X-PopLine-Signature');
  if (!/^[0-9]{1,12}$/.test(timestamp) || signature.indexOf('v1=') !== 0) return refuse('unauthorized', 'unsigned');
  const expected = Crypto.hmac_sha256(settings.secret, `${timestamp}.${e.content || ''}`).toLowerCase();
  if (!sameText(signature.slice(3).toLowerCase(), expected)) return refuse('unauthorized', 'bad signature');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > POPLINE.skewSeconds) return refuse('unauthorized', 'stale');
  if (s.seen[expected]) return refuse('unauthorized', 'replayed');
  s.seen[expected] = true;
  let command;
  try {
    command = JSON.parse(e.content);
  } catch (error) {
    return refuse('invalid', 'the body is not JSON');
  }
  return JSON.stringify(run(command || {}));
});

function run(command) {
  const leg = s.legs[command.leg];
  if (!leg || leg.over || leg.told || command.leg !== s.leg)
    return { ok: false, error: 'not_found', message: 'that call leg is over' };
  const other = s.customer;
  if (command.command === 'hangup') {
    leg.by = 'control';
    hangupAll(null);
    return { ok: true, result: 'hung up' };
  }
  if (!leg.connected || !other || !s.answered)
    return { ok: false, error: 'busy', message: 'the call is not connected' };
  if (command.command === 'hold') {
    other.stopMediaTo(leg.call);
    leg.call.stopMediaTo(other);
    report('hold', { leg: leg.n, by: 'control' });
    return { ok: true, result: 'held' };
  }
  if (command.command === 'unhold') {
    VoxEngine.sendMediaBetween(other, leg.call);
    report('unhold', { leg: leg.n, by: 'control' });
    return { ok: true, result: 'resumed' };
  }
  if (command.command === 'transfer') {
    const target = parseTarget(command.target);
    if (!target) return { ok: false, error: 'invalid', message: 'transfer to "user:<name>", a SIP URI or a number' };
    if (s.mode !== 'inbound') return { ok: false, error: 'unsupported', message: 'transfer is for inbound calls' };
    const n = Object.keys(s.legs).length + 1;
    other.stopMediaTo(leg.call);
    s.legs[n] = { n, call: placeCall(target, s.callerid, '') };
    watchLeg(n);
    report('transfer', { leg: n, from: leg.n, to: command.target, extension: command.extension || '' });
    return { ok: true, result: 'transferring', leg: n };
  }
  return { ok: false, error: 'unsupported', message: `unknown command ${String(command.command).slice(0, 40)}` };
}

VoxEngine.addEventListener(AppEvents.Terminating, () => {
  report('terminating', {});
});
