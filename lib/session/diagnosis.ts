// A diagnosis of a tls.session: a code, a severity and a message that cites its evidence (lines and values).

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnosis {
  code: string;
  severity: Severity;
  message: string;
  /** Whose certificate or chain the diagnosis is about, where it is about one side. */
  side?: 'server' | 'client';
}
