// The dashboard's arithmetic, with no DOM and no network: the window and bucket size a range
// button asks the server for, and the arrays the chart draws from the buckets it answers.
// index.html loads it as a plain script (it defines `dashboardRanges`); Node can require() it,
// as tests/browser/test_dashboard_ranges.py does.
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.dashboardRanges = api;
})(typeof self !== "undefined" ? self : this, () => {
  "use strict";

  const MINUTE = 60;
  const HOUR = 3600;
  const DAY = 86400;

  // A range ends at the device's newest reading. Its bucket is the preferred size; every size
  // from 5 minutes up is a whole number of the server's 5-minute periods and starts on one
  // (buckets are aligned on multiples of their size since the epoch), so the server assembles
  // the series from rollups instead of reading the readings. An hour in minutes is read raw,
  // through the time index: at most an hour of one device's readings.
  const RANGES = {
    hour: { seconds: HOUR, bucket: MINUTE },
    day: { seconds: DAY, bucket: 5 * MINUTE },
    week: { seconds: 7 * DAY, bucket: HOUR },
    month: { seconds: 30 * DAY, bucket: HOUR },
    all: { seconds: null, bucket: MINUTE },
  };
  // Bucket sizes, smallest first: a range that would need more buckets than the server allows
  // (or than "all" aims at), or whose series the server says would read too much, takes the
  // next one up.
  const LADDER = [
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    28 * DAY,
    91 * DAY,
    364 * DAY,
  ];
  const ALL_TARGET = 400; // buckets "all" aims at: about one per 2-3 pixels of a wide chart
  const MAX_BUCKETS = 1000; // the server's default GQL_SERIES_MAX_BUCKETS

  const alignDown = (seconds, size) => Math.floor(seconds / size) * size;
  const alignUp = (seconds, size) => Math.ceil(seconds / size) * size;

  /** The next bucket size up the ladder after `size` (null past the last). */
  function nextBucket(size) {
    return LADDER.find((s) => s > size) ?? null;
  }

  /**
   * What to ask for: {from, to, bucket, buckets} in epoch seconds, or null when the device has
   * no reading with a time. `first` and `last` are the earliest and latest reading times
   * (seconds, fractions allowed); `minBucket` raises the bucket size, `maxBuckets` caps the
   * count (the server's GQL_SERIES_MAX_BUCKETS when it said so).
   */
  function plan(range, first, last, { maxBuckets = MAX_BUCKETS, minBucket = 0 } = {}) {
    const spec = RANGES[range];
    if (!spec) throw new Error(`unknown range ${range}`);
    if (!Number.isFinite(first) || !Number.isFinite(last)) return null;
    const end = Math.floor(last) + 1; // windows are half-open: the newest reading is in
    const cap = spec.seconds === null ? Math.min(maxBuckets, ALL_TARGET) : maxBuckets;
    const sizes = LADDER.filter((s) => s >= Math.max(spec.bucket, minBucket));
    let found = null;
    for (const bucket of sizes) {
      const to = alignUp(end, bucket);
      const from =
        spec.seconds === null
          ? Math.min(alignDown(Math.floor(first), bucket), to - bucket)
          : alignDown(to - spec.seconds, bucket);
      found = { range, from, to, bucket, buckets: (to - from) / bucket };
      if (found.buckets <= cap) return found;
    }
    return found; // nothing fits: the largest, which the server refuses with its reason
  }

  /** Epoch seconds of a DateTime string as the server writes it; null for null. */
  function seconds(dateTime) {
    if (dateTime == null) return null;
    const ms = Date.parse(dateTime);
    if (Number.isNaN(ms)) throw new Error(`not a DateTime: ${dateTime}`);
    return ms / 1000;
  }

  /** An instant as the server's DateTime input takes it (UTC, whole seconds). */
  function iso(secondsValue) {
    return new Date(Math.floor(secondsValue) * 1000).toISOString().replace(".000Z", "Z");
  }

  /**
   * The chart's columns: x, then per temperature its mean, min and max. A point per bucket with
   * readings, at the bucket's middle; the line joins neighbours across a few empty buckets (a
   * device that reports every 5 minutes, drawn in minutes, is a line, not dots) and breaks at
   * a wider hole, more than 3 times the usual step between buckets with readings, where a row
   * of nulls is put. A temperature a bucket has no value of is null there too.
   */
  function chartData(frame, buckets, temperatures) {
    const rows = buckets
      .map((b) => ({ i: Math.round((seconds(b.start) - frame.from) / frame.bucket), b }))
      .filter(({ i, b }) => i >= 0 && i < frame.buckets && b.count > 0)
      .sort((p, q) => p.i - q.i);
    const steps = rows
      .slice(1)
      .map((row, k) => row.i - rows[k].i)
      .sort((a, b) => a - b);
    const join = 3 * Math.max(1, steps.length ? steps[Math.floor(steps.length / 2)] : 1);
    const x = [];
    const columns = temperatures.map(() => ({ mean: [], min: [], max: [] }));
    const push = (at, bucket) => {
      x.push(at);
      temperatures.forEach((name, k) => {
        const figures = bucket?.[name];
        const has = figures != null && figures.count > 0;
        columns[k].mean.push(has ? figures.avg : null);
        columns[k].min.push(has ? figures.min : null);
        columns[k].max.push(has ? figures.max : null);
      });
    };
    rows.forEach(({ i, b }, k) => {
      const previous = rows[k - 1]?.i;
      if (previous !== undefined && i - previous > join) {
        push(frame.from + ((previous + i + 1) / 2) * frame.bucket, null);
      }
      push(frame.from + (i + 0.5) * frame.bucket, b);
    });
    return { x, columns, join };
  }

  /** Labels of the time axis, in UTC: dates for steps of a day or more, else hours and minutes
   * (with the date under the first one and under each midnight). */
  function axisLabels(splits, step) {
    return splits.map((s, k) => {
      const text = iso(s);
      const date = text.slice(0, 10);
      if (step >= DAY) return date;
      const time = text.slice(11, 16);
      return k === 0 || s % DAY === 0 ? `${time}\n${date}` : time;
    });
  }

  return { RANGES, LADDER, MAX_BUCKETS, plan, nextBucket, seconds, iso, chartData, axisLabels };
});
