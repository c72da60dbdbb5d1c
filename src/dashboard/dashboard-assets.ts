import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One file the dashboard page loads. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

/**
 * Where each asset comes from: the chart library from the package's own dependencies (uPlot's
 * browser build), the page's script and styles shipped beside this file (`nest-cli.json` copies
 * `dashboard/assets` into `dist`). Nothing is fetched from the internet.
 */
const SOURCES: Readonly<Record<string, { path: () => string; contentType: string }>> = {
  'uplot.js': {
    path: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    contentType: 'text/javascript; charset=utf-8',
  },
  'uplot.css': {
    path: () => require.resolve('uplot/dist/uPlot.min.css'),
    contentType: 'text/css; charset=utf-8',
  },
  'dashboard.js': {
    path: () => join(__dirname, 'assets', 'dashboard.js'),
    contentType: 'text/javascript; charset=utf-8',
  },
  'dashboard.css': {
    path: () => join(__dirname, 'assets', 'dashboard.css'),
    contentType: 'text/css; charset=utf-8',
  },
};

/**
 * Reads every asset once, so that a missing file fails the app's start rather than a page load;
 * a name not in the list is never looked up on disk.
 */
export function loadDashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  return new Map(
    Object.entries(SOURCES).map(([name, source]) => [
      name,
      { contentType: source.contentType, body: readFileSync(source.path()) },
    ]),
  );
}
