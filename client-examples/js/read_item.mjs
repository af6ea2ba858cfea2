// Read item: get reading 10001 : 3 by its key (the tutorial's read_item.py).
// `reading` is null when there is no such reading: this script then exits with 1.
import { ExampleError, READING_FIELDS, graphql, readingBlock, run } from "./client.mjs";

const GET_READING = `
query ReadItem($deviceId: ID!, $datacount: Int!) {
  reading(deviceId: $deviceId, datacount: $datacount) { ...ReadingFields }
}
${READING_FIELDS}`;

await run(async () => {
  const data = await graphql(GET_READING, { deviceId: "10001", datacount: 3 });
  if (data.reading === null) throw new ExampleError("no reading 10001 : 3");
  console.log("Get Device Data Done:");
  console.log(readingBlock(data.reading));
});
