// Certificate validity times (RFC 5280 §4.1.2.5): UTCTime and GeneralizedTime → ISO 8601 UTC strings.

import { T } from './der.js';

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * UTCTime `YYMMDDHHMM[SS](Z|±hhmm)` or GeneralizedTime `YYYYMMDDHHMM[SS[.f+]](Z|±hhmm)` → `YYYY-MM-DDTHH:MM:SSZ`.
 * DER (RFC 5280) requires seconds and `Z`; older certificates without seconds or with an offset are accepted
 * and converted to UTC. UTCTime years 50–99 are 19YY, 00–49 are 20YY (RFC 5280 §4.1.2.5.1). Fractions of a
 * second are dropped. Returns undefined for anything else, including impossible dates.
 */
export function parseTime(tag: number, text: string): string | undefined {
  const m =
    tag === T.UTCTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text)
      : tag === T.GeneralizedTime
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{4})$/.exec(text)
        : null;
  if (!m) return undefined;
  let year = Number(m[1]);
  if (tag === T.UTCTime) year += year >= 50 ? 1900 : 2000;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]! || (month === 2 && day === 29 && !leap(year))) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const zone = m[7]!;
  if (zone === 'Z') return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}Z`;
  const oh = Number(zone.slice(1, 3));
  const om = Number(zone.slice(3, 5));
  if (oh > 23 || om > 59) return undefined;
  const sign = zone[0] === '+' ? -1 : 1;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0–99 to 1900+
  d.setUTCHours(hour, minute, Math.min(second, 59), 0);
  const u = new Date(d.getTime() + sign * (oh * 60 + om) * 60000);
  return `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}T${pad(u.getUTCHours())}:${pad(u.getUTCMinutes())}:${pad(u.getUTCSeconds())}Z`;
}
