// Apollo Client with its persisted-queries link, against the server under test.
//
//   node client.mjs URL run [API_KEY]   queries Device twice, then Typename; prints what each
//                                       returned and every HTTP request the link made
//   node client.mjs URL manifest        prints the persisted-query manifest of Device, as the
//                                       client sends it (the cache adds __typename fields)
//
// Run from a directory whose node_modules holds @apollo/client, graphql and rxjs.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { print } from "graphql";
import { Observable } from "rxjs";
import { createHash } from "node:crypto";

const [url, mode, apiKey] = process.argv.slice(2);
const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");

const DEVICE = gql`query Device($id: ID!) { device(deviceId: $id) { deviceId } }`;
const TYPENAME = gql`query Typename { __typename }`;

const requests = [];
async function recordingFetch(input, init = {}) {
  const target = new URL(typeof input === "string" ? input : input.url);
  const body = init.body ? JSON.parse(init.body) : {};
  const extensions = body.extensions ?? JSON.parse(target.searchParams.get("extensions") ?? "{}");
  const response = await fetch(input, init);
  requests.push({
    method: init.method ?? "GET",
    query: Boolean(body.query ?? target.searchParams.get("query")),
    hash: extensions.persistedQuery?.sha256Hash ?? null,
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
  });
  return response;
}

function codesOf(error) {
  if (error?.errors) return error.errors.map((e) => e.extensions?.code);
  try {
    return JSON.parse(error.bodyText).errors.map((e) => e.extensions?.code);
  } catch {
    return [String(error)];
  }
}

if (mode === "manifest") {
  const operations = [];
  const capture = new ApolloLink((operation) => {
    const body = print(operation.query);
    operations.push({ id: sha256(body), name: operation.operationName, type: "query", body });
    return new Observable((observer) => {
      observer.next({ data: { device: { __typename: "Device", deviceId: "x" } } });
      observer.complete();
    });
  });
  const client = new ApolloClient({ link: capture, cache: new InMemoryCache() });
  await client.query({ query: DEVICE, variables: { id: "x" } });
  console.log(JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations }));
} else {
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch, headers: apiKey ? { "x-api-key": apiKey } : {} }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const results = [];
  for (const [name, query] of [["Device", DEVICE], ["Device", DEVICE], ["Typename", TYPENAME]]) {
    const before = requests.length;
    try {
      const { data } = await client.query({ query, variables: { id: "dev-7" }, fetchPolicy: "network-only" });
      results.push({ name, data, requests: requests.slice(before) });
    } catch (error) {
      results.push({ name, codes: codesOf(error), requests: requests.slice(before) });
    }
  }
  console.log(JSON.stringify(results));
}
