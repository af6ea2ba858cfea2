// Query: every reading of one device, in datacount order (the tutorial's query.py).
//
//   node query.mjs [DEVICE_ID]    // default 10001
//
// Follows pageInfo.endCursor until hasNextPage is false, so it lists a device of any size.
import { READING_FIELDS, graphql, readingLine, run } from "./client.mjs";

const READINGS_BY_DEVICE = `
query QueryDevice($deviceId: ID!, $first: Int!, $after: String) {
  readingsByDevice(deviceId: $deviceId, first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}
${READING_FIELDS}`;

await run(async () => {
  const deviceId = process.argv[2] ?? "10001";
  console.log(`Device Data from Device ID: ${deviceId}`);
  let count = 0;
  let after = null;
  for (;;) {
    const variables = { deviceId, first: 100, after };
    const page = (await graphql(READINGS_BY_DEVICE, variables)).readingsByDevice;
    for (const { node } of page.edges) console.log(readingLine(node));
    count += page.edges.length;
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  console.log(`${count} readings.`);
});
