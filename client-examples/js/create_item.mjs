// Create item: write reading 10001 : 3 with putReading (the tutorial's create_item.py).
// putReading replaces a reading with the same key and sets its version (1 for a new one).
import { READING_FIELDS, expect, graphql, readingBlock, run } from "./client.mjs";

const PUT_READING = `
mutation CreateItem($reading: ReadingInput!) {
  putReading(reading: $reading) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message }
  }
}
${READING_FIELDS}`;

await run(async () => {
  const reading = {
    deviceId: "10001",
    datacount: 3,
    info: {
      infoTimestamp: "1612522800",
      temperature1: 23.74,
      temperature2: 32.56,
      temperature3: 12.43,
      temperature4: 44.74,
      temperature5: 12.74,
    },
  };
  const data = await graphql(PUT_READING, { reading });
  const written = expect(data.putReading, "Reading");
  console.log("Create item successful.");
  console.log(readingBlock(written));
});
