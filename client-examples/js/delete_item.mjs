// Conditional delete: delete reading 10001 : 3 if its info_timestamp <= a value
// (the tutorial's delete_item.py).
//
//   node delete_item.mjs 1612521000   // the condition fails: nothing is deleted, and the
//                                     // reading is shown as it stands (exit status 0)
//   node delete_item.mjs              // 1612522800: the condition holds; it is deleted
//
// A missing reading gives ReadingNotFound: an error here.
import { READING_FIELDS, expect, graphql, readingBlock, run } from "./client.mjs";

const DELETE_READING_IF = `
mutation DeleteItem($deviceId: ID!, $datacount: Int!, $condition: ReadingCondition!) {
  deleteReadingIf(deviceId: $deviceId, datacount: $datacount, condition: $condition) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message current { ...ReadingFields } }
    ... on ReadingNotFound { message }
  }
}
${READING_FIELDS}`;

await run(async () => {
  const latest = process.argv[2] ?? "1612522800";
  console.log(`DynamoDB conditional delete: 10001 : 3 if info_timestamp <= ${latest}`);
  const variables = {
    deviceId: "10001",
    datacount: 3,
    condition: { infoTimestamp: { lte: latest } },
  };
  const result = (await graphql(DELETE_READING_IF, variables)).deleteReadingIf;
  if (result.__typename === "Reading") {
    console.log("Item Deleted:");
    console.log(readingBlock(result));
  } else if (result.__typename === "ConditionFailed") {
    console.log(`The conditional request failed: ${result.message}`);
    if (result.current !== null) {
      console.log("Current item:");
      console.log(readingBlock(result.current));
    }
  } else {
    expect(result, "Reading");
  }
});
