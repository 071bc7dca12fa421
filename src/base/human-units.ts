// Sizes and durations as docker prints them (go-units): BytesSize "23.47GiB", HumanSize "1.2MB",
// HumanDuration "About a minute".

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

function sized(n: number, base: number, units: string[]): string {
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  // go-units: "%.4g" then the unit.
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** Binary units, four significant digits (units.BytesSize). */
export function bytesSize(n: number): string {
  return sized(n, 1024, BINARY);
}

/**
 * Decimal units, as `docker images` shows sizes (units.HumanSizeWithPrecision(n, 3)); progress bars use
 * four significant digits (units.HumanSize).
 */
export function humanSize(n: number, precision = 3): string {
  let i = 0;
  while (n >= 1000 && i < DECIMAL.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(precision))}${DECIMAL[i]}`;
}

/**
 * "About a minute", "2 hours", "3 weeks": units.HumanDuration of a span in milliseconds (go-units: seconds
 * and minutes truncated, hours rounded, then whole days, weeks, months and years of those hours).
 */
export function humanDuration(ms: number): string {
  const s = Math.trunc(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.trunc(ms / 60_000);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(ms / 3_600_000);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.trunc(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.trunc(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.trunc(h / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}
