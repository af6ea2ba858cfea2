// The little GraphQL client the JavaScript examples share: Node 20+'s built-in fetch.
//
//   GQL_URL      the endpoint (default http://127.0.0.1:8080/graphql)
//   GQL_API_KEY  sent as the x-api-key header when set
//
// Any error (the server cannot be reached, an HTTP error, a GraphQL error) throws
// ExampleError; `run` prints it on stderr and exits with status 1.

export const GQL_URL = process.env.GQL_URL || "http://127.0.0.1:8080/graphql";

// Every example asks for the same fields of a reading.
export const READING_FIELDS = `
fragment ReadingFields on Reading {
  deviceId
  datacount
  version
  info {
    infoTimestamp
    recordedAt
    temperature1
    temperature2
    temperature3
    temperature4
    temperature5
  }
}
`;

export class ExampleError extends Error {}

/** POST one operation and return its `data`; throw ExampleError on any error. */
export async function graphql(query, variables = {}) {
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  if (process.env.GQL_API_KEY) headers["x-api-key"] = process.env.GQL_API_KEY;
  let response;
  try {
    response = await fetch(GQL_URL, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const reason = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new ExampleError(`cannot reach ${GQL_URL}: ${reason}`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ExampleError(
      `HTTP ${response.status} from ${GQL_URL}, not JSON: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  if (body?.errors?.length) {
    // The server answers refusals (401, 413) with GraphQL-shaped errors too.
    const status = response.ok ? "" : `HTTP ${response.status}: `;
    throw new ExampleError(status + body.errors.map(describe).join("; "));
  }
  if (!response.ok || typeof body?.data !== "object" || body.data === null) {
    throw new ExampleError(`HTTP ${response.status} from ${GQL_URL}: ${text.slice(0, 200)}`);
  }
  return body.data;
}

function describe(error) {
  const code = error.extensions?.code;
  return code ? `${error.message} (${code})` : String(error.message);
}

/** A union result that must be `typename`; anything else is an error. */
export function expect(result, typename) {
  if (result.__typename !== typename) {
    throw new ExampleError(`${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  }
  return result;
}

const number = (value) => (value === null || value === undefined ? "-" : String(value));
const temperatures = (info) => [1, 2, 3, 4, 5].map((n) => info[`temperature${n}`]);

/** A reading on several lines: its key and version, then its info. */
export function readingBlock(reading) {
  const { info, version } = reading;
  const recorded = info.recordedAt ? `  (${info.recordedAt})` : "";
  return [
    `${reading.deviceId} : ${reading.datacount}  version ` +
      (version === null ? "none (written outside this API)" : String(version)),
    `  info_timestamp: ${info.infoTimestamp}${recorded}`,
    ...temperatures(info).map((t, i) => `  temperature${i + 1}: ${number(t)}`),
  ].join("\n");
}

/** A reading on one line, as the query and scan examples list them. */
export function readingLine(reading) {
  const { info } = reading;
  return (
    `${reading.deviceId} : ${reading.datacount}  at ${info.infoTimestamp}  ` +
    `temperatures ${temperatures(info).map(number).join(" ")}`
  );
}

/** Run an example: exit 0 when it worked, 1 (with the error on stderr) when not. */
export async function run(main) {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof ExampleError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  }
}
