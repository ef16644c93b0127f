// The cookbook recipes of the README, one place: README.md shows each with `dump.txt` in place of CAPTURE
// (test/cli/readme.test.ts checks that), and test/output/cookbook.test.ts checks what each prints.

/** The recipes exactly as the README gives them; CAPTURE is replaced by the captures used. */
export const RECIPES = {
  failed: `tlsdump --summary CAPTURE | jq -r 'select(.established == false) | "\\(.client) -> \\(.server) \\(.sni // "-"): " + ([.diagnoses[] | select(.severity != "info") | .code] | join(", "))'`,
  noClientCert: `tlsdump --summary CAPTURE | jq -r 'select(.client_cert_requested == true and .client_cert_sent == false) | .client | sub(":[0-9]+$"; "")' | sort -u`,
  incompleteChain: `tlsdump --summary CAPTURE | jq -r 'select(any(.diagnoses[]; .code == "chain_incomplete" and .side == "server")) | "\\(.server) \\(.sni // "-")"' | sort -u`,
  expiring: `tlsdump CAPTURE | jq -r 'select(.msg == "certificate") | .certs[] | select(.not_after != null and (.not_after | fromdate) < now + 30 * 86400) | "\\(.not_after)  \\(.subject)"' | sort -u`,
  ja3: `tlsdump --summary CAPTURE | jq -r '.ja3_hash // "none"' | sort | uniq -c | sort -rn`,
  bulk: `tlsdump --format ecs CAPTURE | jq -c '{create: {}}, .'`,
  report: `tlsdump CAPTURE > events.ndjson && tlsdump report events.ndjson`,
} as const;
