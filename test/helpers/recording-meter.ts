// A MetricMeter that remembers every value it was given, for tests of what activities count.
import type { MetricMeter, MetricTags } from '@temporalio/common';

export interface Recorded {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  value: number;
  tags: MetricTags;
}

export function recordingMeter(base: MetricTags = {}): { meter: MetricMeter; values: Recorded[] } {
  const values: Recorded[] = [];
  const make = (tags: MetricTags): MetricMeter => {
    const metric = (name: string, kind: Recorded['kind'], t: MetricTags) => {
      const push = (value: number, extra: MetricTags = {}) =>
        values.push({ name, kind, value, tags: { ...t, ...extra } });
      const m = {
        name,
        kind,
        valueType: 'float' as const,
        add: push,
        record: push,
        set: push,
        withTags: (more: MetricTags) => metric(name, kind, { ...t, ...more }),
      };
      return m as never;
    };
    return {
      createCounter: (name) => metric(name, 'counter', tags),
      createHistogram: (name) => metric(name, 'histogram', tags),
      createGauge: (name) => metric(name, 'gauge', tags),
      withTags: (more) => make({ ...tags, ...more }),
    };
  };
  return { meter: make(base), values };
}
