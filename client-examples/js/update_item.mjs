// Update item: set the info of reading 10001 : 3 (the tutorial's update_item.py).
// updateReading changes the fields it is given; it never creates a reading (a missing one
// gives ReadingNotFound, an error here).
import { READING_FIELDS, expect, graphql, readingBlock, run } from "./client.mjs";

const UPDATE_READING = `
mutation UpdateItem($deviceId: ID!, $datacount: Int!, $info: ReadingInfoPatch!) {
  updateReading(deviceId: $deviceId, datacount: $datacount, info: $info) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message }
    ... on ReadingNotFound { message }
  }
}
${READING_FIELDS}`;

await run(async () => {
  const info = {
    infoTimestamp: "1612522800",
    temperature1: 33.74,
    temperature2: 23.74,
    temperature3: 25.2,
    temperature4: 22.0,
    temperature5: 25.0,
  };
  const data = await graphql(UPDATE_READING, { deviceId: "10001", datacount: 3, info });
  const updated = expect(data.updateReading, "Reading");
  console.log("Device Updated");
  console.log(readingBlock(updated));
});
