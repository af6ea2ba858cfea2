// Batch write: several readings in one request with putReadings.
//
//   node put_readings.mjs [--atomic] [--if-not-exists]
//
// Writes readings 10004 : 1 to 3, each as putReading would (its version becomes 1, or the old
// version + 1), and prints one result per reading, in the order sent. --if-not-exists refuses
// to replace a reading that exists (ConditionFailed, with the reading as it stands); --atomic
// writes all of them or none, in one DynamoDB transaction.
import { ExampleError, graphql, run } from "./client.mjs";

const PUT_READINGS = `
mutation PutReadings($readings: [ReadingInput!]!, $ifNotExists: Boolean!, $atomic: Boolean!) {
  putReadings(readings: $readings, ifNotExists: $ifNotExists, atomic: $atomic) {
    written
    results {
      __typename
      ... on Reading { deviceId datacount version }
      ... on ConditionFailed { message current { deviceId datacount version } }
    }
  }
}`;

const reading = (datacount, infoTimestamp, ...temperatures) => ({
  deviceId: "10004",
  datacount,
  info: Object.fromEntries([
    ["infoTimestamp", infoTimestamp],
    ...temperatures.map((t, i) => [`temperature${i + 1}`, t]),
  ]),
});

const READINGS = [
  reading(1, "1612519200", 21.5, 22.25, 19.8, 23.1, 20.05),
  reading(2, "1612521000", 22.4, 23.15, 20.3, 24.0, 21.6),
  reading(3, "1612522800", 23.74, 32.56, 12.43, 44.74, 12.74),
];
const FLAGS = ["--atomic", "--if-not-exists"];

function resultLine(sent, result) {
  const key = `${sent.deviceId} : ${sent.datacount}`;
  if (result.__typename === "Reading") return `  ${key}  written, version ${result.version}`;
  const { current } = result;
  if (current === null) return `  ${key}  ConditionFailed: ${result.message}`;
  const version = current.version === null ? "none" : current.version;
  return `  ${key}  ConditionFailed: ${result.message} (current version ${version})`;
}

await run(async () => {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => !FLAGS.includes(arg));
  if (unknown.length) {
    throw new ExampleError(`unknown argument '${unknown[0]}'; use --atomic and --if-not-exists`);
  }
  const atomic = args.includes("--atomic");
  const ifNotExists = args.includes("--if-not-exists");
  const data = await graphql(PUT_READINGS, { readings: READINGS, ifNotExists, atomic });
  const batch = data.putReadings;
  const how = atomic ? "atomic" : "one by one";
  console.log(
    `putReadings: ${READINGS.length} readings, ${how}` + (ifNotExists ? ", if not exists" : ""),
  );
  // One result per reading, in the order sent.
  READINGS.forEach((sent, index) => console.log(resultLine(sent, batch.results[index])));
  console.log(`Written: ${batch.written} of ${READINGS.length}.`);
});
