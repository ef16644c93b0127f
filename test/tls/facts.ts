// Per-flow facts from our events in the shape of shared/tools/tshark-facts.py, so a capture's events can be
// compared with tshark's view (<capture>.tshark.json) field by field.

import type { Event, FlowItem } from '../../lib/events.js';

export interface FlowFacts {
  records: { c2s: [number, number][]; s2c: [number, number][] };
  handshakes: { c2s: number[]; s2c: number[] };
  ciphers_offered: number[];
  cipher: number | null;
  sni: string | null;
  certs: { c2s: string[]; s2c: string[] };
  alerts: { c2s: number[]; s2c: number[] };
}

export function factsFromEvents(items: FlowItem[], events: Event[]): Map<string, FlowFacts> {
  const keys = new Map<number, string>();
  for (const it of items) if (it.kind === 'open') keys.set(it.flow, `${it.client}>${it.server}`);
  const out = new Map<string, FlowFacts>();
  for (const [flow, key] of keys) {
    void flow;
    out.set(key, {
      records: { c2s: [], s2c: [] },
      handshakes: { c2s: [], s2c: [] },
      ciphers_offered: [],
      cipher: null,
      sni: null,
      certs: { c2s: [], s2c: [] },
      alerts: { c2s: [], s2c: [] },
    });
  }
  const tls13 = new Set<number>();
  for (const ev of events) {
    const key = keys.get(ev.flow as number);
    if (key === undefined) continue;
    const f = out.get(key)!;
    const dir = ev.dir as 'c2s' | 's2c';
    if (ev.type === 'tls.handshake' && ev.msg === 'server_hello' && String(ev.version).startsWith('TLS 1.3') && !ev.hello_retry_request)
      tls13.add(ev.flow as number);
    // tshark shows TLS 1.3 protected records as tls.record.opaque_type, which its facts do not list.
    const opaque = ev.content_id === 23 && tls13.has(ev.flow as number);
    // tshark lists only records and messages it saw whole.
    if (ev.type === 'tls.record' && ev.content !== 'sslv2' && !opaque && !ev.truncated)
      f.records[dir].push([ev.content_id as number, ev.length as number]);
    if (ev.type === 'tls.handshake') {
      if (ev.over_limit || ev.truncated) continue;
      f.handshakes[dir].push(ev.msg_id as number);
      if (ev.msg === 'client_hello' && dir === 'c2s' && !ev.sslv2) {
        f.ciphers_offered = (ev.cipher_ids as number[] | undefined) ?? [];
      }
      if (ev.msg === 'client_hello' && typeof ev.sni === 'string') f.sni = ev.sni;
      if (ev.msg === 'server_hello' && !ev.sslv2 && typeof ev.cipher_id === 'number') f.cipher = ev.cipher_id;
      if (Array.isArray(ev.certs)) for (const c of ev.certs as { sha256: string }[]) f.certs[dir].push(c.sha256);
    }
    if (ev.type === 'tls.alert' && typeof ev.description_id === 'number') f.alerts[dir].push(ev.description_id);
  }
  return out;
}
