// ANSI colours for the text output and the report: on only when stdout is a terminal and NO_COLOR is unset
// or empty (https://no-color.org). The escape sequences are ours; text from the wire never carries any (see
// sanitize.ts), so a colour never opens from input.

export interface Paint {
  readonly on: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

function sgr(code: string, reset: string): (s: string) => string {
  return (s) => `\u001b[${code}m${s}\u001b[${reset}m`;
}

const PLAIN: Paint = { on: false, bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s, cyan: (s) => s };
const ANSI: Paint = {
  on: true,
  bold: sgr('1', '22'),
  dim: sgr('2', '22'),
  red: sgr('31', '39'),
  yellow: sgr('33', '39'),
  green: sgr('32', '39'),
  cyan: sgr('36', '39'),
};

export function paint(on: boolean): Paint {
  return on ? ANSI : PLAIN;
}

/** Colours for a stream: a TTY, and NO_COLOR unset or empty. */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}
