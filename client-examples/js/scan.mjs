// Scan: every reading of the table, page by page (the tutorial's scan.py).
//
//   node scan.mjs [PAGE_SIZE]    // default 3, so the sample data takes several pages
//
// Each page's pageInfo.endCursor is passed as `after` to get the next one, until hasNextPage
// is false: the GraphQL form of DynamoDB's LastEvaluatedKey / ExclusiveStartKey loop.
import { ExampleError, READING_FIELDS, graphql, readingLine, run } from "./client.mjs";

const SCAN_READINGS = `
query ScanTable($first: Int!, $after: String) {
  scanReadings(first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}
${READING_FIELDS}`;

await run(async () => {
  const arg = process.argv[2] ?? "3";
  if (!/^[0-9]+$/.test(arg)) {
    throw new ExampleError(`PAGE_SIZE must be a whole number, not ${JSON.stringify(arg)}`);
  }
  const pageSize = Number(arg);
  console.log(`Scanning all devices data, ${pageSize} readings per page`);
  let pages = 0;
  let count = 0;
  let after = null;
  for (;;) {
    const page = (await graphql(SCAN_READINGS, { first: pageSize, after })).scanReadings;
    pages += 1;
    console.log(`page ${pages}:`);
    for (const { node } of page.edges) console.log(`  ${readingLine(node)}`);
    count += page.edges.length;
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  console.log(`Scanned ${count} readings in ${pages} pages.`);
});
