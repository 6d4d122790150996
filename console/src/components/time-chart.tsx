// A time-series chart (uPlot) that follows its container's width: phones get a narrow chart, not a scrollbar.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x; null leaves a gap. */
  values: Array<number | null>;
  /** Bars for counts per bucket; lines for durations. */
  style?: 'line' | 'bars';
}

const axisColors = { stroke: '#5b6b6b', grid: { stroke: '#eef2f1', width: 1 }, ticks: { stroke: '#dfe6e4', width: 1 } };
/** Tick steps of a count axis: whole numbers only. */
const wholeSteps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

export function TimeChart(props: {
  title: string;
  /** Bucket starts, Unix ms, evenly spaced. */
  times: number[];
  series: ChartSeries[];
  /** Tick and legend text; counts (whole ticks) when absent. */
  formatValue?: (value: number) => string;
  height?: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const { title, times, series, formatValue, height = 180 } = props;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const seconds = times.map((time) => time / 1000);
    // Half a bucket on each side, so that the first and last bars are drawn whole.
    const step = seconds.length > 1 ? seconds[1]! - seconds[0]! : 3600;
    const bars = uPlot.paths.bars?.({ size: [0.6, 28], gap: 2 });
    const format = formatValue ?? ((value: number) => value.toLocaleString());
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      legend: { live: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true, range: (_plot, min, max) => [min - step / 2, max + step / 2] },
        y: { range: (_plot, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { ...axisColors },
        {
          ...axisColors,
          ...(formatValue ? {} : { incrs: wholeSteps }),
          values: (_plot: uPlot, ticks: number[]) => ticks.map((tick) => format(tick)),
          // Wide enough for the longest label ("1.2 min", "25,000").
          size: (_plot: uPlot, values: string[] | null) => Math.max(36, ...(values ?? []).map((value) => value.length * 7 + 16)),
        },
      ],
      series: [
        {},
        ...series.map((entry) => {
          const defined = entry.values.filter((value) => value !== null).length;
          return {
            label: entry.label,
            stroke: entry.color,
            width: 2,
            value: (_plot: uPlot, value: number | null) => (value === null ? '—' : format(value)),
            ...(entry.style === 'bars'
              ? { fill: `${entry.color}66`, ...(bars ? { paths: bars } : {}), points: { show: false } }
              : // Sparse lines (a few replies) need their points, or single values would be invisible.
                { points: { show: defined <= 12, size: 5 } }),
          };
        }),
      ],
    };
    const data: uPlot.AlignedData = [seconds, ...series.map((entry) => entry.values)];
    const plot = new uPlot(options, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, formatValue, height]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} class="chart-canvas" role="img" aria-label={`${title} over time`} />
    </figure>
  );
}
