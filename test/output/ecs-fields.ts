// Test support: the vendored ECS field definitions (data/ecs/) and a validator that checks a document against
// them: every field path outside the custom set `tlsdump.*` must be an ECS field, with a value of a compatible
// type, and the categorisation fields must take ECS's allowed values.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../support/shared.js';

export interface EcsField {
  field: string;
  type: string;
  array: boolean;
  version: string;
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cur);
      cur = '';
    } else if (ch === '\n') {
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else if (ch !== '\r') cur += ch;
  }
  if (cur !== '' || row.length) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}

export function loadEcsFields(): Map<string, EcsField> {
  const rows = parseCsv(readFileSync(join(ROOT, 'data', 'ecs', 'fields.csv'), 'utf8'));
  const head = rows[0]!;
  const col = (name: string): number => head.indexOf(name);
  const [v, f, t, n] = [col('ECS_Version'), col('Field'), col('Type'), col('Normalization')];
  const out = new Map<string, EcsField>();
  for (const r of rows.slice(1)) {
    if (r.length < head.length) continue;
    out.set(r[f]!, {
      field: r[f]!,
      type: r[t]!,
      array: r[n]!.split(',')
        .map((s) => s.trim())
        .includes('array'),
      version: r[v]!,
    });
  }
  return out;
}

export interface Allowed {
  ecs_version: string;
  allowed_values: Record<string, string[]>;
  expected_event_types: Record<string, string[]>;
}

export function loadAllowed(): Allowed {
  return JSON.parse(readFileSync(join(ROOT, 'data', 'ecs', 'allowed-values.json'), 'utf8')) as Allowed;
}

/** The custom field set (docs/ecs.md). */
export const CUSTOM_PREFIX = 'tlsdump.';

/** Leaf paths of a document: `tls.client.x509.subject.common_name` → value. Arrays of scalars are leaves. */
export function leaves(doc: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...leaves(v as Record<string, unknown>, path));
    else out.push([path, v]);
  }
  return out;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

function scalarFits(type: string, v: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'constant_keyword':
    case 'wildcard':
    case 'text':
    case 'match_only_text':
      return typeof v === 'string';
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return typeof v === 'number' && Number.isInteger(v);
    case 'unsigned_long':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'float':
    case 'double':
    case 'scaled_float':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'ip':
      return typeof v === 'string' && isIP(v) !== 0;
    case 'date':
      return typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1')));
    default:
      return false;
  }
}

/** Every way the document departs from the ECS definitions; empty when it validates. */
export function validateEcs(doc: Record<string, unknown>, fields: Map<string, EcsField>, allowed: Allowed): string[] {
  const errors: string[] = [];
  for (const [path, v] of leaves(doc)) {
    if (path.startsWith(CUSTOM_PREFIX)) continue;
    const f = fields.get(path);
    if (!f) {
      errors.push(`${path}: not an ECS ${allowed.ecs_version} field`);
      continue;
    }
    if (v === null) continue; // ECS/Elasticsearch treat null as absent
    if (Array.isArray(v)) {
      if (!f.array) errors.push(`${path}: an array, but ECS defines one ${f.type}`);
      for (const x of v) if (!scalarFits(f.type, x)) errors.push(`${path}: ${JSON.stringify(x)} is not a ${f.type}`);
    } else if (!scalarFits(f.type, v)) errors.push(`${path}: ${JSON.stringify(v)} is not a ${f.type}`);
    const values = allowed.allowed_values[path];
    if (values)
      for (const x of Array.isArray(v) ? v : [v]) if (!values.includes(String(x))) errors.push(`${path}: '${String(x)}' is not an allowed value`);
  }
  const ev = doc.event as Record<string, unknown> | undefined;
  if (ev && Array.isArray(ev.category) && Array.isArray(ev.type)) {
    for (const c of ev.category as string[]) {
      const expected = allowed.expected_event_types[c] ?? [];
      for (const t of ev.type as string[]) if (!expected.includes(t)) errors.push(`event.type '${t}' is not expected with event.category '${c}'`);
    }
  }
  if (doc['@timestamp'] === undefined) errors.push('@timestamp: missing (ECS base field, required)');
  const ecs = doc.ecs as Record<string, unknown> | undefined;
  if (ecs?.version !== allowed.ecs_version) errors.push(`ecs.version: ${String(ecs?.version)} is not ${allowed.ecs_version}`);
  return errors;
}
