// The `history` string of a tls.session: one letter per handshake message, record kind or alert, in the spirit
// of Zeek's ssl_history. Client letters are upper case, server letters lower case. Documented in docs/events.md.

/** Handshake type (RFC 8446 §4, RFC 5246 §7.4) → letter. */
const HANDSHAKE_LETTERS: Record<number, string> = {
  0: 'H', // hello_request
  1: 'C', // client_hello
  2: 'S', // server_hello
  3: 'V', // hello_verify_request
  4: 'T', // new_session_ticket
  5: 'E', // end_of_early_data
  8: 'O', // encrypted_extensions
  11: 'X', // certificate
  12: 'K', // server_key_exchange
  13: 'R', // certificate_request
  14: 'N', // server_hello_done
  15: 'Y', // certificate_verify
  16: 'G', // client_key_exchange
  20: 'F', // finished
  21: 'W', // certificate_url
  22: 'U', // certificate_status
  23: 'A', // supplemental_data
  24: 'P', // key_update
  254: 'M', // message_hash
};

/** Letters for what is not a handshake message. */
export const LETTER = {
  helloRetryRequest: 'J',
  changeCipherSpec: 'I',
  encryptedHandshake: 'Z',
  applicationData: 'D',
  alert: 'L',
  heartbeat: 'B',
  sslv2: '2',
  gap: '~',
} as const;

/** Zeek caps ssl_history at 100 letters; so do we, ending the string with '+' when cut. */
export const MAX_HISTORY = 100;

export function handshakeLetter(msgId: number): string {
  return HANDSHAKE_LETTERS[msgId] ?? 'Q';
}

/** SSL 2.0 messages have their own numbering (draft-hickman §2.6); the letters follow their TLS counterparts. */
const SSLV2_LETTERS: Record<number, string> = {
  1: 'C', // client_hello
  4: 'S', // server_hello
  2: 'G', // client_master_key
};

export function sslv2Letter(msgId: number): string {
  return SSLV2_LETTERS[msgId] ?? 'Q';
}

export class History {
  private s = '';
  private lastKey = '';

  /** Adds a letter for a sender; `once` collapses a run of the same letter from the same sender (data records). */
  add(letter: string, client: boolean, once = false): void {
    const l = client ? letter.toUpperCase() : letter.toLowerCase();
    if (once && this.lastKey === l) return;
    this.lastKey = l;
    if (this.s.length < MAX_HISTORY) this.s += l;
    else if (!this.s.endsWith('+')) this.s = this.s.slice(0, MAX_HISTORY - 1) + '+';
  }

  toString(): string {
    return this.s;
  }
}
