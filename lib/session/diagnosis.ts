// A diagnosis of a tls.session: a code, a severity and a message that cites its evidence (lines and values);
// and which of a session's diagnoses says best what went wrong (the ECS document and `tlsdump report` show it).

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnosis {
  code: string;
  severity: Severity;
  message: string;
  /** Whose certificate or chain the diagnosis is about, where it is about one side. */
  side?: 'server' | 'client';
}

/** A diagnosis as read back from NDJSON (`tlsdump report`): any field may be missing or of another type. */
export interface DiagnosisLike {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  side?: unknown;
}

const SEVERITY_RANK: Record<string, number> = { error: 3, warning: 2, info: 1 };

/** Codes that say that something failed rather than why; among equal severities another code names the cause. */
const GENERIC_CODES = new Set(['handshake_alert', 'handshake_incomplete', 'reset', 'capture_gap', 'no_close_notify']);

function rank(d: DiagnosisLike): number {
  return 2 * (SEVERITY_RANK[String(d.severity)] ?? 0) + (GENERIC_CODES.has(String(d.code)) ? 0 : 1);
}

/**
 * The diagnosis that best says what went wrong: the highest severity and, among those, a specific cause
 * (no_shared_cipher) before a generic one (handshake_alert); the first in order among equals.
 */
export function worstDiagnosis<D extends DiagnosisLike>(diagnoses: readonly D[]): D | undefined {
  let best: D | undefined;
  for (const d of diagnoses) if (!best || rank(d) > rank(best)) best = d;
  return best;
}

/** The diagnoses of a session read back from JSON (a parse boundary): the objects of the list, or none. */
export function diagnosesOf(value: unknown): DiagnosisLike[] {
  if (!Array.isArray(value)) return [];
  const out: DiagnosisLike[] = [];
  for (const d of value) if (typeof d === 'object' && d !== null) out.push(d);
  return out;
}
