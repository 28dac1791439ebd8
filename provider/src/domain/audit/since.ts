const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A `--since` value: a duration back from `now` (`90s`, `30m`, `1h`, `7d`, `2w`) or an ISO 8601 date.
 * Returns null when it is neither.
 */
export function parseSince(value: string, now: number): Date | null {
  const v = value.trim();
  const m = /^(\d{1,6})\s*([smhdw])$/i.exec(v);
  if (m) return new Date(now - Number(m[1]) * UNIT_S[m[2]!.toLowerCase()]! * 1000);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}
