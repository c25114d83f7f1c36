/**
 * chart.js as the dashboard uses it: only the line chart's parts are registered (the bundle
 * stays small), plus one plugin of ours that marks outcome changes and draws the zoom brush.
 *
 * Zoom/pan is ours too, not chartjs-plugin-zoom: the window is two numbers kept in the URL
 * (deep links, back/forward), every chart on the page shares it, it is driven by drag,
 * Ctrl+wheel, buttons and the keyboard alike, and it costs no hammer.js.
 */
import {
  Chart,
  type ChartDataset,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { BootOutcome } from '$types/api.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

export { Chart };

/** One point as the chart holds it: x (sequence or epoch ms), y, and what a hover shows. */
export interface ChartPoint {
  x: number;
  y: number | null;
  seq: number;
  at: string;
  buildId: number | null;
  bootId: number | null;
  outcome: BootOutcome | null;
}

export type LineDataset = ChartDataset<'line', ChartPoint[]> & { variant: string };

/** Colours read from the page's CSS variables: they follow the light/dark theme. */
export interface Palette {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  accent: string;
  outcome: Record<BootOutcome | 'none', string>;
  series: string[];
}

/** Series colours: distinguishable in both themes and for the common colour-vision deficiencies. */
const SERIES_LIGHT = ['#1f5fbf', '#b3541e', '#2b8a7e', '#8a3fb8', '#a8861a', '#c23a6b', '#4b6b8a', '#5f8a2b'];
const SERIES_DARK = ['#76a7ff', '#f0883e', '#4fc1b0', '#c38bff', '#e3c14f', '#ff7aa8', '#9bb6d1', '#9bd15f'];

export function readPalette(dark: boolean): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'),
    muted: v('--muted'),
    grid: v('--border'),
    surface: v('--surface'),
    accent: v('--accent'),
    outcome: {
      booted: v('--ok'),
      panic: v('--bad'),
      stalled: v('--warn'),
      no_output: v('--none'),
      error: v('--harness'),
      none: v('--faint'),
    },
    series: dark ? SERIES_DARK : SERIES_LIGHT,
  };
}

/** The x range shown; null bounds follow the data. */
export interface XWindow {
  min: number | null;
  max: number | null;
}

interface MarksOptions {
  palette: Palette | null;
  brush: { from: number; to: number } | null;
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType> {
    bwMarks?: MarksOptions & { _t?: TType };
  }
}

/** Dashed verticals where a variant's outcome changed, and the drag-to-zoom brush. */
export const outcomeMarks: Plugin<'line'> = {
  id: 'bwMarks',
  afterDatasetsDraw(chart, _args, opts: MarksOptions) {
    const { ctx, chartArea: area, scales } = chart;
    const x = scales.x;
    const palette = opts.palette;
    if (palette) {
      ctx.save();
      ctx.setLineDash([3, 3]);
      ctx.lineWidth = 1;
      chart.data.datasets.forEach((ds, i) => {
        if (!chart.isDatasetVisible(i)) return;
        let prev: BootOutcome | null = null;
        for (const p of ds.data as unknown as ChartPoint[]) {
          if (!p.outcome) continue;
          if (prev && p.outcome !== prev) {
            const px = x.getPixelForValue(p.x);
            if (px >= area.left && px <= area.right) {
              const colour = palette.outcome[p.outcome] ?? palette.muted;
              ctx.strokeStyle = colour;
              ctx.beginPath();
              ctx.moveTo(px, area.top);
              ctx.lineTo(px, area.bottom);
              ctx.stroke();
              ctx.fillStyle = colour;
              ctx.beginPath();
              ctx.moveTo(px - 4, area.top);
              ctx.lineTo(px + 4, area.top);
              ctx.lineTo(px, area.top + 6);
              ctx.fill();
            }
          }
          prev = p.outcome;
        }
      });
      ctx.restore();
    }
    if (opts.brush) {
      const a = Math.max(area.left, Math.min(opts.brush.from, opts.brush.to));
      const b = Math.min(area.right, Math.max(opts.brush.from, opts.brush.to));
      ctx.save();
      ctx.fillStyle = palette ? `${palette.accent}26` : 'rgba(80,120,200,0.15)';
      ctx.fillRect(a, area.top, b - a, area.bottom - area.top);
      ctx.restore();
    }
  },
};

/** Zooms the window by `factor` (< 1 zooms in) around `centre`, clamped to the data's extent. */
export function zoomWindow(w: XWindow, extent: [number, number], factor: number, centre?: number): XWindow {
  const lo = w.min ?? extent[0];
  const hi = w.max ?? extent[1];
  const c = centre ?? (lo + hi) / 2;
  let min = c - (c - lo) * factor;
  let max = c + (hi - c) * factor;
  if (max - min >= extent[1] - extent[0]) return { min: null, max: null };
  if (min < extent[0]) [min, max] = [extent[0], max + (extent[0] - min)];
  if (max > extent[1]) [min, max] = [min - (max - extent[1]), extent[1]];
  return { min: Math.max(extent[0], min), max: Math.min(extent[1], max) };
}

/** Moves the window by `fraction` of its width, clamped to the data's extent. */
export function panWindow(w: XWindow, extent: [number, number], fraction: number): XWindow {
  if (w.min == null && w.max == null) return w;
  const lo = w.min ?? extent[0];
  const hi = w.max ?? extent[1];
  const width = hi - lo;
  let min = lo + width * fraction;
  min = Math.max(extent[0], Math.min(extent[1] - width, min));
  return { min, max: min + width };
}
