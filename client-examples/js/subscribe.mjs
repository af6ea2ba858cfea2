// Subscribe: print every change to the readings as DynamoDB records it (readingChanges).
//
//   node subscribe.mjs [DEVICE_ID] [--kinds INSERT,MODIFY,REMOVE] [--filter JSON]
//
// No DEVICE_ID: every device. --kinds: the kinds of change to receive (default all three).
// --filter: a ReadingCondition as JSON, e.g. '{"temperature1": {"gt": 30}}', which must hold
// for the reading after the change (before it, for a REMOVE). Changes made by anything arrive:
// this API, the tutorial's boto3 scripts, another service, another replica of the server.
//
// The socket is the `graphql-ws` client (the graphql-transport-ws protocol, as Apollo's
// GraphQLWsLink and GraphiQL speak it) over the `ws` package, since Node 20 has no WebSocket of
// its own: run `npm install` in this folder first (package.json pins both). GQL_URL's http(s)
// becomes ws(s). With GQL_API_KEY set, the key travels in the connection_init payload, as
// browsers cannot set headers on a WebSocket. One change a line, until Ctrl-C; an error (a coded
// GraphQL error such as STREAM_DISABLED or SLOW_CONSUMER, a refused socket, the server gone)
// ends it with status 1.
import { parseArgs } from "node:util";

import { createClient } from "graphql-ws";
import WebSocket from "ws";

import { ExampleError, GQL_URL, READING_FIELDS, readingLine, run } from "./client.mjs";

const READING_CHANGES = `
subscription ReadingChanges($deviceId: ID, $kinds: [ChangeKind!], $filter: ReadingCondition) {
  readingChanges(deviceId: $deviceId, kinds: $kinds, filter: $filter) {
    kind
    deviceId
    datacount
    changedAt
    reading { ...ReadingFields }
    previous { ...ReadingFields }
  }
}
${READING_FIELDS}`;

const KINDS = ["INSERT", "MODIFY", "REMOVE"];
const WS_URL = GQL_URL.replace(/^http/, "ws");

function variablesFrom(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { kinds: { type: "string" }, filter: { type: "string" } },
    });
  } catch (err) {
    throw new ExampleError(err.message);
  }
  const { values, positionals } = parsed;
  const variables = { deviceId: positionals[0] ?? null, kinds: null, filter: null };
  if (values.kinds) {
    const kinds = values.kinds.split(",").map((kind) => kind.trim().toUpperCase());
    const unknown = kinds.filter((kind) => !KINDS.includes(kind));
    if (unknown.length) {
      throw new ExampleError(`--kinds: ${unknown.join(", ")} is not one of ${KINDS.join(", ")}`);
    }
    variables.kinds = kinds;
  }
  if (values.filter) {
    try {
      variables.filter = JSON.parse(values.filter);
    } catch (err) {
      throw new ExampleError(`--filter must be JSON: ${err.message}`);
    }
  }
  return variables;
}

/** `INSERT 10001 : 4  at ...`: the reading after the change, or before it for a REMOVE. */
function changeLine(change) {
  const reading = change.reading ?? change.previous;
  if (!reading) return `${change.kind} ${change.deviceId} : ${change.datacount}`;
  return `${change.kind} ${readingLine(reading)}`;
}

function describe(errors) {
  return errors
    .map((error) => {
      const code = error.extensions?.code;
      return code ? `${error.message} (${code})` : String(error.message);
    })
    .join("; ");
}

/** What the graphql-ws client hands its error sink, as a message. */
function failure(err) {
  if (Array.isArray(err)) return describe(err); // the server's "error" message
  if (err && typeof err.code === "number") {
    // A CloseEvent; 4403 is the protocol's "Forbidden": no valid key in connection_init.
    if (err.code === 1006) return `cannot reach ${WS_URL}`;
    return `the server closed the connection: ${err.code} ${err.reason ?? ""}`.trim();
  }
  const reason = err?.error?.code ?? err?.error?.message ?? err?.message ?? String(err);
  return `cannot reach ${WS_URL}: ${reason}`;
}

await run(async () => {
  const variables = variablesFrom(process.argv.slice(2));
  const apiKey = process.env.GQL_API_KEY;
  const where = variables.deviceId ? `device ${variables.deviceId}` : "every device";
  let lastSocketError = null;
  const client = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { "x-api-key": apiKey } : {},
    retryAttempts: 0, // report a lost connection rather than hide it
    on: {
      connected: () => console.log(`Listening for changes to ${where} (Ctrl-C to stop)`),
      // The socket's own error (connection refused) comes before its close event: keep it.
      error: (err) => {
        lastSocketError = err;
      },
    },
  });
  try {
    await new Promise((resolve, reject) => {
      let failed = false; // a `next` with errors is followed by `complete`: report the errors
      const fail = (message) => {
        failed = true;
        reject(new ExampleError(message));
      };
      client.subscribe(
        { query: READING_CHANGES, variables },
        {
          next: (result) => {
            if (result.errors?.length) fail(describe(result.errors));
            else console.log(changeLine(result.data.readingChanges));
          },
          error: (err) => {
            const cause = err?.code === 1006 && lastSocketError ? lastSocketError : err;
            fail(failure(cause));
          },
          complete: () => {
            if (failed) return;
            console.log("The server completed the subscription.");
            resolve();
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
});
