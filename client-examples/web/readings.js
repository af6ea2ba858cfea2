// The page's logic: history over HTTP (fetch), live changes over the WebSocket (graphql-ws).
//
// Queries go over plain HTTP because that is where the server applies its per-request guards
// (deadline, body limit, read budget) and what any GraphQL server answers; the socket carries
// only the subscription. Both are cross-origin for a page served from another port, so the
// server must list the page's origin in GQL_CORS_ORIGINS (see README.md).
/* global uPlot, graphqlWs */
"use strict";

const params = new URLSearchParams(location.search);
const GQL_URL = params.get("url") || "http://127.0.0.1:8080/graphql";
const WS_URL = GQL_URL.replace(/^http/, "ws");
const DEVICE = params.get("device") || "10001";
const API_KEY = params.get("key") || "";
const PAGE_SIZE = Math.min(100, Math.max(1, Number(params.get("first")) || 50));
const TEMPERATURES = [1, 2, 3, 4, 5].map((n) => `temperature${n}`);
const COLOURS = ["#e53935", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa"];
// Codes after which the server expects a client to re-read and subscribe again (the contract).
const RESUBSCRIBE = new Set(["SLOW_CONSUMER", "STREAM_GAP"]);

const FIELDS = `deviceId datacount version
  info { infoTimestamp ${TEMPERATURES.join(" ")} }`;
const HISTORY = `query DeviceHistory($deviceId: ID!, $first: Int!, $after: String) {
  readingsByDevice(deviceId: $deviceId, order: DESC, first: $first, after: $after) {
    edges { node { ${FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CHANGES = `subscription DeviceChanges($deviceId: ID) {
  readingChanges(deviceId: $deviceId) {
    kind deviceId datacount changedAt
    reading { ${FIELDS} }
    previous { ${FIELDS} }
  }
}`;

const state = {
  readings: new Map(), // datacount -> reading, whatever its source
  touched: new Set(), // datacounts a live change has set or removed: pages do not overwrite them
  after: null, // endCursor of the last page read
  hasOlder: false,
  pending: null, // live changes received before the first page, applied after it
  changes: [], // what the "Live changes" list shows, newest last
  error: null,
};
window.devicePage = state; // what tests (and the curious) can inspect

const $ = (id) => document.getElementById(id);

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
  if (isError) state.error = text;
}

function describe(errors) {
  return errors
    .map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message))
    .join("; ");
}

async function graphql(query, variables) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (API_KEY) headers["x-api-key"] = API_KEY;
  const response = await fetch(GQL_URL, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(describe(body.errors));
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return body.data;
}

// The chart: x is info_timestamp (epoch seconds); readings whose timestamp is not a number
// (possible on items written outside the API) cannot be placed on it and are left out.
const chart = new uPlot(
  {
    width: Math.min(1100, document.body.clientWidth),
    height: 380,
    scales: { x: { time: true } },
    series: [
      {},
      ...TEMPERATURES.map((label, i) => ({
        label,
        stroke: COLOURS[i],
        width: 1.5,
        spanGaps: true,
        points: { show: true, size: 5 },
      })),
    ],
  },
  [[], [], [], [], [], []],
  $("chart"),
);
state.chart = chart;

function redraw() {
  const placed = [...state.readings.values()]
    .map((r) => ({ r, x: Number(r.info.infoTimestamp) }))
    .filter(({ x }) => Number.isFinite(x))
    .sort((a, b) => a.x - b.x || a.r.datacount - b.r.datacount);
  chart.setData([
    placed.map(({ x }) => x),
    ...TEMPERATURES.map((t) => placed.map(({ r }) => r.info[t] ?? null)),
  ]);
  state.points = placed.length;
  $("shown").textContent = `${state.readings.size} readings shown`;
  $("older").disabled = !state.hasOlder;
}

async function loadPage() {
  $("older").disabled = true;
  const data = await graphql(HISTORY, { deviceId: DEVICE, first: PAGE_SIZE, after: state.after });
  const page = data.readingsByDevice;
  for (const { node } of page.edges) {
    if (!state.touched.has(node.datacount)) state.readings.set(node.datacount, node);
  }
  state.after = page.pageInfo.endCursor ?? state.after;
  state.hasOlder = page.pageInfo.hasNextPage;
  state.pages = (state.pages ?? 0) + 1;
  redraw();
}

function applyChange(change) {
  state.touched.add(change.datacount);
  if (change.kind === "REMOVE") state.readings.delete(change.datacount);
  else state.readings.set(change.datacount, change.reading);
  const shown = change.reading ?? change.previous;
  const temps = shown ? TEMPERATURES.map((t) => shown.info[t] ?? "-").join(" ") : "";
  const line = `${change.kind} ${change.deviceId} : ${change.datacount}  ${temps}`;
  state.changes.push(line);
  const item = document.createElement("li");
  item.className = change.kind;
  item.textContent = `${new Date().toLocaleTimeString()}  ${line}`;
  $("changes").append(item);
  item.scrollIntoView({ block: "nearest" });
}

function onChange(change) {
  if (state.pending) state.pending.push(change);
  else {
    applyChange(change);
    redraw();
  }
}

let client = null;
let retryDelay = 2000; // after a lost socket: doubled each time, up to 30 s

function subscribe() {
  client = graphqlWs.createClient({
    url: WS_URL,
    // A browser cannot set headers on a WebSocket: the key travels in connection_init.
    connectionParams: API_KEY ? { "x-api-key": API_KEY } : {},
    // No silent reconnection: changes made while the socket was down would be missed. A lost
    // socket ends in stopped(), which reads the history again and subscribes anew.
    retryAttempts: 0,
    on: {
      connected: () => {
        state.live = true;
        retryDelay = 2000;
      },
      closed: () => (state.live = false),
    },
  });
  client.subscribe(
    { query: CHANGES, variables: { deviceId: DEVICE } },
    {
      next: (result) => {
        if (result.errors?.length) return stopped(result.errors);
        onChange(result.data.readingChanges);
      },
      error: (err) => stopped(Array.isArray(err) ? err : null, err),
      // The server completes subscriptions when it shuts down (e.g. a restart or a deploy).
      complete: () => restart("The server ended live updates"),
    },
  );
}

let restarting = null; // the timer of a pending restart: one at a time

function restart(why) {
  if (restarting) return;
  setStatus(`${why}: reading again and subscribing anew in ${retryDelay / 1000} s`, true);
  client?.dispose();
  restarting = setTimeout(() => {
    restarting = null;
    start();
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

function stopped(errors, closeEvent) {
  if (errors) {
    const codes = errors.map((e) => e.extensions?.code);
    // The contract: after these, re-read with queries and subscribe again.
    if (codes.some((code) => RESUBSCRIBE.has(code))) return restart(describe(errors));
    return setStatus(`Live updates stopped: ${describe(errors)}`, true);
  }
  const code = closeEvent?.code;
  if (typeof code === "number" && code >= 4000 && code < 5000) {
    // The protocol's refusals (4403: no valid key, 4400: bad message): retrying cannot help.
    const why = `${code} ${closeEvent.reason || ""}`.trim();
    return setStatus(`Live updates stopped: the server refused the socket (${why})`, true);
  }
  restart(typeof code === "number" ? `The socket closed (${code})` : `Cannot open ${WS_URL}`);
}

async function start() {
  state.error = null;
  state.readings.clear();
  state.touched.clear();
  state.after = null;
  state.pages = 0;
  state.ready = false;
  // Subscribe first, then read, so that no change falls between the page and the socket.
  state.pending = [];
  subscribe();
  try {
    await loadPage();
  } catch (err) {
    restart(`Cannot read ${GQL_URL} (${err.message})`);
    return;
  }
  for (const change of state.pending) applyChange(change);
  state.pending = null;
  redraw();
  if (!state.error) {
    setStatus(`Showing the newest readings of device ${DEVICE}; live changes appear as they happen.`);
  }
  state.ready = true;
}

$("device").textContent = DEVICE;
$("older").addEventListener("click", () =>
  loadPage().catch((err) => setStatus(`Cannot read older readings: ${err.message}`, true)),
);
start();
