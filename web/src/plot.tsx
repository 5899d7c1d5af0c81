/**
 * A uPlot time-series chart as a Preact component: made once on mount, given new data on
 * every render, resized with its container, destroyed on unmount.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  color: string;
}

interface Props {
  title: string;
  /** x: Unix seconds; one array of values per line. */
  x: number[];
  ys: (number | null)[][];
  lines: Line[];
  height?: number;
}

export function Plot({ title, x, ys, lines, height = 220 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const key = lines.map((l) => l.label).join('\n');

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      title,
      width: Math.max(300, el.clientWidth),
      height,
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { label: 'per minute' }],
      // Room for the last time label on the right.
      padding: [8, 28, 0, 0],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          // A minute with a count shows as a dot even with no neighbour to draw a line to.
          points: { show: true, size: 6, fill: l.color },
        })),
      ],
    };
    chart.current = new uPlot(opts, [x, ...ys] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() =>
      chart.current?.setSize({ width: Math.max(300, el.clientWidth), height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
    // Remade only when the set of lines changes; data updates go through setData below.
  }, [key, title, height]);

  useEffect(() => {
    chart.current?.setData([x, ...ys] as uPlot.AlignedData);
  }, [x, ys]);

  return <div class="plot" ref={box} role="img" aria-label={title} />;
}
