// The dashboard: queries over HTTP (fetch), live changes over the WebSocket (graphql-ws).
//
// Queries go over plain HTTP because that is where the server applies its per-request guards
// (deadline, body limit, read budget) and what any GraphQL server answers; the socket carries
// only the subscription. Both are cross-origin for a page served from another port, so the
// server must list the page's origin in GQL_CORS_ORIGINS (see README.md).
/* global uPlot, graphqlWs, dashboardRanges */
"use strict";

const R = dashboardRanges;
const params = new URLSearchParams(location.search);
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const GQL_URL = params.get("url") || "http://127.0.0.1:8080/graphql";
const WS_URL = GQL_URL.replace(/^http/, "ws");
const API_KEY = params.get("key") || "";
const DEVICES_PAGE = clamp(Math.floor(Number(params.get("first"))) || 20, 1, 100);
const POLL_MS = clamp(Number(params.get("poll")) || 2000, 250, 60000);
const TEMPERATURES = [1, 2, 3, 4, 5].map((n) => `temperature${n}`);
const COLOURS = ["#e53935", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa"];
// Codes after which the server expects a client to re-read and subscribe again (the contract).
const RESUBSCRIBE = new Set(["SLOW_CONSUMER", "STREAM_GAP"]);
// history.upTo is on the consumer's clock and a change's arrival on this page's: a change
// counts as reflected once upTo is this much past its arrival.
const CLOCK_SLACK_MS = 1000;
const LIVE_KEPT = 500; // live readings drawn, newest kept

const FIGURES = "{ count min max avg }";
const TEMPERATURE_FIGURES = TEMPERATURES.map((t) => `${t} ${FIGURES}`).join(" ");
const DEVICE_FIELDS = "deviceId readingCount firstRecordedAt lastRecordedAt";
const STATUS = "history { upTo backlog consuming }";
const DEVICES = `query Devices($first: Int!, $after: String) {
  devices(first: $first, after: $after) {
    edges { node { ${DEVICE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const DEVICE = `query Device($deviceId: ID!) {
  ${STATUS} device(deviceId: $deviceId) { ${DEVICE_FIELDS} } }`;
const SERIES = `query Series($deviceId: ID!, $at: TimeRange!, $bucket: Int!) {
  device(deviceId: $deviceId) {
    series(recordedAt: $at, bucketSeconds: $bucket) { start count ${TEMPERATURE_FIGURES} }
    stats(recordedAt: $at) { count complete ${TEMPERATURE_FIGURES} } } }`;
const READING = `deviceId datacount info { infoTimestamp ${TEMPERATURES.join(" ")} }`;
const CHANGES = `subscription DeviceChanges($deviceId: ID) {
  readingChanges(deviceId: $deviceId) {
    kind deviceId datacount changedAt reading { ${READING} } previous { ${READING} } } }`;

const startRange = params.get("range");
const startTemperature = params.get("temperature");
const state = {
  devices: [], // the pages of `devices` read so far
  devicesAfter: null,
  hasMoreDevices: false,
  device: params.get("device") || null,
  info: null, // the device's registry fields
  range: startRange in R.RANGES ? startRange : "day",
  temperature: TEMPERATURES.includes(startTemperature) ? startTemperature : "all",
  maxBuckets: clamp(Number(params.get("buckets")) || R.MAX_BUCKETS, 1, 100000),
  minBucket: {}, // range -> a bucket size the server made the range step up to
  window: null, // {range, from, to, bucket, buckets} of the series shown
  buckets: [], // the series as the server answered it
  stats: null, // stats over the same window
  note: null, // why the bucket is larger than the range's own
  history: null, // {upTo, backlog, consuming}, polled
  reads: 0, // series read so far
  live: new Map(), // datacount -> reading, for readings changed since the device was picked
  unreflected: [], // when changes arrived (ms) that no series read so far is known to hold
  pending: null, // changes received before the first read, applied after it
  changes: [], // the lines of the "Live changes" list, newest last
  generation: 0, // bumped at each device picked: answers for an older pick are dropped
  connected: false,
  ready: false,
  error: null,
};
window.dashboard = state; // what tests (and the curious) can inspect

const $ = (id) => document.getElementById(id);
const when = (s) => (s == null ? "-" : `${R.iso(s).replace("T", " ").replace("Z", "")} UTC`);

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
  state.error = isError ? text : null;
}

class GraphQLError extends Error {
  constructor(errors) {
    super(
      errors
        .map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message))
        .join("; "),
    );
    this.errors = errors;
    this.codes = errors.map((e) => e.extensions?.code);
  }
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
  if (body.errors?.length) throw new GraphQLError(body.errors);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return body.data;
}

// -- the device list ----------------------------------------------------------------------

async function loadDevices(fromStart) {
  const data = await graphql(DEVICES, {
    first: DEVICES_PAGE,
    after: fromStart ? null : state.devicesAfter,
  });
  const page = data.devices;
  const nodes = page.edges.map((e) => e.node);
  state.devices = fromStart ? nodes : [...state.devices, ...nodes];
  state.devicesAfter = page.pageInfo.endCursor ?? state.devicesAfter;
  state.hasMoreDevices = page.pageInfo.hasNextPage;
  renderDevices();
}

function renderDevices() {
  const list = $("devices");
  list.replaceChildren(
    ...state.devices.map((d) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.device = d.deviceId;
      button.setAttribute("aria-current", String(d.deviceId === state.device));
      const id = document.createElement("span");
      id.className = "id";
      id.textContent = d.deviceId;
      const meta = document.createElement("span");
      meta.className = "meta";
      const last = when(R.seconds(d.lastRecordedAt));
      meta.textContent = `${d.readingCount.toLocaleString("en")} readings, last ${last}`;
      button.append(id, meta);
      button.addEventListener("click", () => pick(d.deviceId));
      const item = document.createElement("li");
      item.append(button);
      return item;
    }),
  );
  if (!state.devices.length) list.textContent = "No devices yet.";
  $("more-devices").hidden = !state.hasMoreDevices;
}

// -- the series ---------------------------------------------------------------------------

function liveTimes() {
  return [...state.live.values()].map((r) => Number(r.info.infoTimestamp)).filter(Number.isFinite);
}

function planWindow() {
  const times = liveTimes();
  const first = Math.min(R.seconds(state.info?.firstRecordedAt) ?? Infinity, ...times);
  const last = Math.max(R.seconds(state.info?.lastRecordedAt) ?? -Infinity, ...times);
  const options = { maxBuckets: state.maxBuckets, minBucket: state.minBucket[state.range] ?? 0 };
  return R.plan(state.range, first, last, options);
}

/** The series of `frame`, stepping the bucket up while the server says it would read too much. */
async function readSeries(frame) {
  for (let attempt = 0; ; attempt++) {
    const at = { from: R.iso(frame.from), to: R.iso(frame.to) };
    try {
      return {
        frame,
        data: (await graphql(SERIES, { deviceId: state.device, at, bucket: frame.bucket })).device,
      };
    } catch (err) {
      if (!(err instanceof GraphQLError) || !err.codes.includes("BAD_USER_INPUT") || attempt >= 4)
        throw err;
      const cap = /at most (\d+) buckets/.exec(err.message);
      if (cap) state.maxBuckets = Number(cap[1]);
      else if (/budget/.test(err.message))
        state.minBucket[state.range] = R.nextBucket(frame.bucket);
      else throw err;
      const why = err.errors[0].message;
      state.note = `buckets of ${frame.bucket} s were refused (${why}); larger ones are shown`;
      frame = planWindow();
      if (!frame) throw err;
    }
  }
}

async function readOnce() {
  const generation = state.generation;
  const startedAt = Date.now();
  const first = await graphql(DEVICE, { deviceId: state.device });
  if (generation !== state.generation) return;
  state.history = first.history;
  state.info = first.device;
  const listed = state.devices.find((d) => d.deviceId === state.device);
  if (listed) Object.assign(listed, first.device);
  const frame = planWindow();
  const series = frame ? await readSeries(frame) : null;
  if (generation !== state.generation) return;
  state.window = series?.frame ?? null;
  state.buckets = series?.data.series ?? [];
  state.stats = series?.data.stats ?? null;
  state.reads += 1;
  // Every change recorded before upTo is in what was just read; without a derived history
  // (upTo null) the server read the readings themselves, after the read began.
  const upTo = R.seconds(first.history.upTo);
  const held = upTo === null ? startedAt : upTo * 1000 - CLOCK_SLACK_MS;
  state.unreflected = state.unreflected.filter((at) => at > held);
  if (state.error?.startsWith("Cannot read")) setStatus(`Showing device ${state.device}.`);
  renderDevices();
  render();
}

let refreshing = null;
let again = false;

/** Read the device and its series; one read at a time, and one more if asked meanwhile. */
function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        again = false;
        await readOnce();
      } while (again);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// -- drawing ------------------------------------------------------------------------------

function shownTemperatures() {
  const wanted = state.temperature === "all" ? TEMPERATURES : [state.temperature];
  if (state.temperature !== "all") return wanted;
  const live = [...state.live.values()];
  const has = (t) =>
    state.buckets.some((b) => b[t].count > 0) || live.some((r) => r.info[t] != null);
  const found = wanted.filter(has);
  return found.length ? found : wanted.slice(0, 1);
}

function alpha(colour, a) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

let chart = null;

function render() {
  for (const b of $("ranges").querySelectorAll("button")) {
    b.setAttribute("aria-pressed", String(b.dataset.range === state.range));
  }
  $("temperature").value = state.temperature;
  $("device").textContent = state.device ?? "-";
  const info = state.info;
  $("facts").textContent = info
    ? `${info.readingCount.toLocaleString("en")} readings, from ` +
      `${when(R.seconds(info.firstRecordedAt))} to ${when(R.seconds(info.lastRecordedAt))}`
    : "";
  drawChart();
  renderSummary();
  renderHistory();
}

function renderSummary() {
  const w = state.window;
  if (!w) {
    $("summary").textContent = state.info ? "This device has no reading with a time to draw." : "";
    $("legend").replaceChildren();
    return;
  }
  const count = state.stats?.count ?? 0;
  let text =
    `${count.toLocaleString("en")} readings from ${when(w.from)} to ${when(w.to)}, ` +
    `in ${w.buckets} buckets of ${duration(w.bucket)}`;
  if (state.stats && !state.stats.complete) text += " (stats incomplete: the read budget ran out)";
  if (state.note) text += `; ${state.note}`;
  $("summary").textContent = text;
  $("legend").replaceChildren(
    ...shownTemperatures().map((t) => {
      const i = TEMPERATURES.indexOf(t);
      const figures = state.stats?.[t];
      const entry = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      const [band, line] = [alpha(COLOURS[i], 0.25), COLOURS[i]];
      swatch.style.background = `linear-gradient(${band} 35%, ${line} 35% 65%, ${band} 65%)`;
      entry.append(swatch, `${t}: `);
      entry.append(
        figures?.count
          ? `min ${figures.min}, mean ${round(figures.avg)}, max ${figures.max}`
          : "no values",
      );
      return entry;
    }),
    Object.assign(document.createElement("span"), {
      textContent: "line: mean, band: min to max; dots: readings received live",
    }),
  );
}

const round = (v) => (v == null ? "-" : Math.round(v * 100) / 100);

function duration(s) {
  if (s % 86400 === 0) return s === 86400 ? "1 day" : `${s / 86400} days`;
  if (s % 3600 === 0) return s === 3600 ? "1 hour" : `${s / 3600} hours`;
  return s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

function drawChart() {
  chart?.destroy();
  chart = null;
  state.chart = null;
  const w = state.window;
  if (!w) return;
  const temperatures = shownTemperatures();
  const { x, columns } = R.chartData(w, state.buckets, temperatures);
  const series = [{}];
  const bands = [];
  const data = [x];
  const filled = columns.map((c) => c.mean.filter((v) => v !== null).length);
  temperatures.forEach((t, k) => {
    const colour = COLOURS[TEMPERATURES.indexOf(t)];
    const base = series.length;
    series.push(
      { label: `${t} max`, stroke: alpha(colour, 0.35), width: 0.5, points: { show: false } },
      { label: `${t} min`, stroke: alpha(colour, 0.35), width: 0.5, points: { show: false } },
      {
        label: `${t} mean`,
        stroke: colour,
        width: 2,
        points: { show: filled[k] <= 150, size: 6, fill: colour },
      },
    );
    bands.push({ series: [base, base + 1], fill: alpha(colour, 0.18) });
    data.push(columns[k].max, columns[k].min, columns[k].mean);
  });
  // Live readings before the window are not drawn; later ones stretch it until the next read
  // moves the window to them.
  const live = [...state.live.values()].filter((r) => Number(r.info.infoTimestamp) >= w.from);
  const xMax = Math.max(w.to, ...live.map((r) => Number(r.info.infoTimestamp) + 1));
  const values = [
    ...data.slice(1).flat(),
    ...live.flatMap((r) => temperatures.map((t) => r.info[t])),
  ].filter((v) => v != null);
  const [low, high] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const pad = (high - low) * 0.08 || 1;
  chart = new uPlot(
    {
      width: Math.max(400, $("chart").clientWidth || 900),
      height: 380,
      legend: { show: false },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: {
        x: { time: true, range: () => [w.from, xMax] },
        y: { range: () => [low - pad, high + pad] },
      },
      axes: [{ values: (u, splits, axis, space, step) => R.axisLabels(splits, step) }, {}],
      series,
      bands,
      hooks: {
        draw: [(u) => drawLive(u, live, temperatures)],
        setCursor: [readout],
      },
    },
    data,
    $("chart"),
  );
  state.chart = chart;
  state.drawn = { temperatures, x, columns, live: live.map((r) => r.datacount) };
}

/** Readings received live, as dots over the series: they show before the history holds them. */
function drawLive(u, live, temperatures) {
  const ctx = u.ctx;
  ctx.save();
  for (const reading of live) {
    const cx = u.valToPos(Number(reading.info.infoTimestamp), "x", true);
    for (const t of temperatures) {
      const v = reading.info[t];
      if (v == null) continue;
      ctx.beginPath();
      ctx.arc(cx, u.valToPos(v, "y", true), 5 * devicePixelRatio, 0, 2 * Math.PI);
      ctx.fillStyle = COLOURS[TEMPERATURES.indexOf(t)];
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.fill();
      ctx.stroke();
    }
  }
  ctx.restore();
}

function readout(u) {
  const w = state.window;
  const x = u.cursor.idx == null ? null : u.data[0][u.cursor.idx];
  if (x == null || !w) return ($("readout").textContent = "");
  const from = w.from + Math.floor((x - w.from) / w.bucket) * w.bucket;
  const bucket = state.buckets.find((b) => R.seconds(b.start) === from);
  const figures = state.drawn.temperatures
    .map((t) =>
      bucket?.[t].count
        ? `${t} ${bucket[t].min} / ${round(bucket[t].avg)} / ${bucket[t].max}`
        : null,
    )
    .filter(Boolean);
  $("readout").textContent =
    `${when(from)} + ${duration(w.bucket)}: ${bucket?.count ?? 0} readings` +
    (figures.length ? `; min / mean / max: ${figures.join(", ")}` : "");
}

function renderHistory() {
  const h = state.history;
  const element = $("history");
  if (!h) return;
  const upTo = R.seconds(h.upTo);
  let text;
  let kind = "";
  if (upTo === null) {
    text =
      "History not derived yet: no consumer has reported (run gql derive, or gql serve " +
      "--derive); series read the readings themselves";
    kind = "stale";
  } else {
    const age = Math.max(0, Math.round(Date.now() / 1000 - upTo));
    text = `History up to ${when(Math.floor(upTo))} (${age} s ago)`;
    if (h.backlog > 0) {
      text += `, ${h.backlog} change${h.backlog === 1 ? "" : "s"} behind`;
      kind = "behind";
    } else text += ", caught up";
    if (!h.consuming) {
      text += "; no consumer is reporting";
      kind = "stale";
    }
  }
  element.textContent = text;
  element.className = kind;
}

let drawing = false;

function scheduleRender() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    render();
  });
}

// -- live changes -------------------------------------------------------------------------

function applyChange(change) {
  state.unreflected.push(Date.now());
  if (change.kind === "REMOVE") state.live.delete(change.datacount);
  else {
    state.live.delete(change.datacount); // re-inserted: newest last
    state.live.set(change.datacount, change.reading);
    if (state.live.size > LIVE_KEPT) state.live.delete(state.live.keys().next().value);
  }
  const shown = change.reading ?? change.previous;
  const temps = shown ? TEMPERATURES.map((t) => shown.info[t] ?? "-").join(" ") : "";
  const line = `${change.kind} ${change.deviceId} : ${change.datacount}  ${temps}`;
  state.changes.push(line);
  const item = document.createElement("li");
  item.className = change.kind;
  item.textContent = `${new Date().toISOString().slice(11, 19)}  ${line}`;
  $("changes").append(item);
  item.scrollIntoView({ block: "nearest" });
}

function onChange(generation, change) {
  if (generation !== state.generation) return;
  if (state.pending) state.pending.push(change);
  else {
    applyChange(change);
    scheduleRender();
  }
}

let client = null;
let retryDelay = 2000; // after a lost socket: doubled each time, up to 30 s
let restarting = null; // the timer of a pending restart: one at a time

function subscribe(generation) {
  const mine = () => generation === state.generation;
  client = graphqlWs.createClient({
    url: WS_URL,
    // A browser cannot set headers on a WebSocket: the key travels in connection_init.
    connectionParams: API_KEY ? { "x-api-key": API_KEY } : {},
    // No silent reconnection: changes made while the socket was down would be missed. A lost
    // socket ends in stopped(), which reads again and subscribes anew.
    retryAttempts: 0,
    on: {
      connected: () => {
        if (!mine()) return;
        state.connected = true;
        retryDelay = 2000;
      },
      closed: () => mine() && (state.connected = false),
    },
  });
  client.subscribe(
    { query: CHANGES, variables: { deviceId: state.device } },
    {
      next: (result) => {
        if (!mine()) return;
        if (result.errors?.length) return stopped(result.errors);
        onChange(generation, result.data.readingChanges);
      },
      error: (err) => mine() && stopped(Array.isArray(err) ? err : null, err),
      // The server completes subscriptions when it shuts down (e.g. a restart or a deploy).
      complete: () => mine() && restart("The server ended live updates"),
    },
  );
}

function restart(why) {
  if (restarting) return;
  setStatus(`${why}: reading again and subscribing anew in ${retryDelay / 1000} s`, true);
  restarting = setTimeout(() => {
    restarting = null;
    start();
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

function stopped(errors, closeEvent) {
  if (errors) {
    const codes = errors.map((e) => e.extensions?.code);
    const text = new GraphQLError(errors).message;
    // The contract: after these, re-read with queries and subscribe again.
    if (codes.some((code) => RESUBSCRIBE.has(code))) return restart(text);
    return setStatus(`Live updates stopped: ${text}`, true);
  }
  const code = closeEvent?.code;
  if (typeof code === "number" && code >= 4000 && code < 5000) {
    // The protocol's refusals (4403: no valid key, 4400: bad message): retrying cannot help.
    const why = `${code} ${closeEvent.reason || ""}`.trim();
    return setStatus(`Live updates stopped: the server refused the socket (${why})`, true);
  }
  restart(typeof code === "number" ? `The socket closed (${code})` : `Cannot open ${WS_URL}`);
}

/** Subscribe to the device's changes, then read it: nothing falls between the two. */
async function start() {
  const generation = ++state.generation;
  client?.dispose();
  state.ready = false;
  state.live.clear();
  state.unreflected = [];
  state.pending = [];
  if (!state.device) return;
  subscribe(generation);
  try {
    await refresh();
  } catch (err) {
    if (generation === state.generation) restart(`Cannot read ${GQL_URL} (${err.message})`);
    return;
  }
  if (generation !== state.generation) return;
  for (const change of state.pending) applyChange(change);
  state.pending = null;
  render();
  setStatus(`Showing device ${state.device}; live changes appear as they happen.`);
  state.ready = true;
}

function pick(deviceId) {
  if (deviceId === state.device && state.ready) return;
  state.device = deviceId;
  state.info = null;
  state.window = null;
  state.buckets = [];
  state.stats = null;
  state.note = null;
  state.changes = [];
  $("changes").replaceChildren();
  keepInUrl();
  renderDevices();
  render();
  start();
}

function keepInUrl() {
  const url = new URL(location.href);
  url.searchParams.set("range", state.range);
  if (state.device) url.searchParams.set("device", state.device);
  if (state.temperature === "all") url.searchParams.delete("temperature");
  else url.searchParams.set("temperature", state.temperature);
  history.replaceState(null, "", url);
}

/** history's status, every POLL_MS: shown, and a read again once it holds new changes. */
async function poll() {
  try {
    state.history = (await graphql(`query Status { ${STATUS} }`)).history;
  } catch (err) {
    $("history").textContent = `Cannot read the history's status: ${err.message}`;
    $("history").className = "stale";
    return;
  }
  renderHistory();
  if (!state.device && !state.devices.length) {
    await loadDevices(true).catch(() => {});
    if (state.devices.length) pick(state.devices[0].deviceId);
    return;
  }
  const upTo = R.seconds(state.history.upTo);
  const oldest = Math.min(...state.unreflected);
  const held = upTo === null ? Infinity : upTo * 1000 - CLOCK_SLACK_MS;
  if (state.ready && state.unreflected.length && held >= oldest) {
    refresh().catch((err) => setStatus(`Cannot read the series: ${err.message}`, true));
  }
}

async function main() {
  for (const b of $("ranges").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      state.range = b.dataset.range;
      state.note = null;
      state.ready = false;
      keepInUrl();
      render();
      refresh()
        .then(() => (state.ready = true))
        .catch((err) => setStatus(`Cannot read the series: ${err.message}`, true));
    });
  }
  $("temperature").addEventListener("change", (e) => {
    state.temperature = e.target.value;
    keepInUrl();
    render();
  });
  $("more-devices").addEventListener("click", () =>
    loadDevices(false).catch((err) => setStatus(`Cannot read more devices: ${err.message}`, true)),
  );
  $("reload-devices").addEventListener("click", () =>
    loadDevices(true).catch((err) => setStatus(`Cannot read the devices: ${err.message}`, true)),
  );
  window.addEventListener("resize", () =>
    chart?.setSize({ width: $("chart").clientWidth, height: 380 }),
  );
  setInterval(poll, POLL_MS);
  try {
    await loadDevices(true);
  } catch (err) {
    setStatus(`Cannot read the devices from ${GQL_URL} (${err.message})`, true);
  }
  render();
  if (!state.device && state.devices.length) state.device = state.devices[0].deviceId;
  if (state.device) pick(state.device);
  else setStatus("No device has readings yet: the list fills as readings arrive.");
}

main();
