// Subscribes to the real server with graphql-ws (WebSocket) or graphql-sse
// (Server-Sent Events) and prints one JSON line per thing that happens, for
// graph/live_test.go to read: {"op":i,"next":result}, {"op":i,"error":...},
// {"op":i,"complete":true}, {"closed":code,"reason":...}, {"connected":true}.
// A line "stop" on stdin ends it.
//
//   node live.mjs '<options as JSON>'
//
// options: transport ("ws" | "sse"), url, token, auth ("payload" |
// "headers" | "header": where a WebSocket sends the token), origin, query,
// variables, count (subscriptions on one connection), lastEventId (SSE).
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { createClient as createWS } from 'graphql-ws';
import { createClient as createSSE } from 'graphql-sse';

const opts = JSON.parse(process.argv[2]);
const print = (v) => process.stdout.write(JSON.stringify(v) + '\n');
const bearer = `Bearer ${opts.token}`;

let client;
if (opts.transport === 'ws') {
  const headers = {};
  if (opts.origin) headers.Origin = opts.origin;
  if (opts.auth === 'header' && opts.token) headers.Authorization = bearer;
  class Socket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { headers });
    }
  }
  let connectionParams = {};
  if (opts.token && opts.auth === 'headers') connectionParams = { headers: { Authorization: bearer } };
  else if (opts.token && opts.auth !== 'header') connectionParams = { Authorization: bearer };
  client = createWS({
    url: opts.url.replace(/^http/, 'ws'),
    webSocketImpl: Socket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    on: {
      connected: () => print({ connected: true }),
      closed: (e) => print({ closed: e.code ?? 0, reason: e.reason ?? String(e.message ?? '') }),
    },
  });
} else {
  client = createSSE({
    url: opts.url,
    retryAttempts: 0,
    headers: () => {
      const h = {};
      if (opts.token) h.Authorization = bearer;
      if (opts.lastEventId) h['Last-Event-ID'] = opts.lastEventId;
      return h;
    },
  });
}

const stops = [];
for (let op = 0; op < (opts.count ?? 1); op++) {
  stops.push(
    client.subscribe(
      { query: opts.query, variables: opts.variables ?? {} },
      {
        next: (result) => print({ op, next: result }),
        error: (err) => {
          let e = err;
          if (Array.isArray(err)) e = { graphql: err };
          else if (err && typeof err === 'object' && 'code' in err && 'reason' in err) e = { code: err.code, reason: err.reason };
          else if (err && err.response) e = { status: err.response.status };
          else e = { message: String(err?.message ?? err) };
          print({ op, error: e });
        },
        complete: () => print({ op, complete: true }),
      },
    ),
  );
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stop') {
    stops.forEach((stop) => stop());
    client.dispose();
    setTimeout(() => process.exit(0), 50);
  }
});
