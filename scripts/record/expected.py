"""What each recorded scenario must show: its title, capture point, what happens, the diagnosis codes tlsdump must
give, and per connection the facts that tshark, decrypting with the keylog, must find. check.py imports this."""
D = "client veth (cli0, in the client's namespace) of a direct veth pair; the server's end sees the same packets"
R = "client veth (cli1): the receiver of the impaired server-to-client direction, after impair.py"
T = "server veth (srv1): the sender, before impair.py; same connection as netem-loss.pcap"
CN = ["c2s", "warning", "close_notify"]; SN = ["s2c", "warning", "close_notify"]
def ok(version, cipher=None, **kw):
    c = {"version": version, "sni": "$DNS", "established": True, "resumed": False,
         "client_cert_requested": False, "client_cert_sent": False, "alerts": [SN, CN]}
    if cipher: c["cipher"] = cipher
    c.update(kw); return c
def fail(version, alert, **kw):
    c = {"version": version, "sni": "$DNS", "established": False, "resumed": False,
         "client_cert_requested": False, "client_cert_sent": False, "alerts": [alert]}
    c.update(kw); return c
S = {}
def sc(name, title, what, codes, conns, capture=D, may=None, **kw):
    S[name] = {"title": title, "capture": capture, "what_happens": what, "codes": codes,
               "codes_also_right": may or [], "connections": conns, **kw}
sc("tls12-rsa", "TLS 1.2, RSA key exchange (AES256-SHA), server-only authentication",
   "Full handshake with RSA key exchange (no ServerKeyExchange); one GET and its response; close_notify both ways, then FIN.",
   [], [ok("TLS 1.2", "TLS_RSA_WITH_AES_256_CBC_SHA")])
sc("tls12-ecdhe", "TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, server-only authentication",
   "Full handshake with ServerKeyExchange; one GET and its response; close_notify both ways.",
   [], [ok("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")])
sc("tls12-ecdsa", "TLS 1.2 with an ECDSA (P-256) server certificate, ECDHE-ECDSA-AES128-GCM-SHA256",
   "Full handshake; the leaf's key is EC P-256 (signed by the RSA intermediate); one GET; close_notify both ways.",
   [], [ok("TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")])
sc("tls12-anon", "TLS 1.2 with an anonymous cipher suite (AECDH-AES128-SHA): no server certificate at all",
   "The server has no certificate (-nocert); ServerHello, ServerKeyExchange, ServerHelloDone; no Certificate message; one GET; close_notify both ways.",
   ["weak_cipher"], [ok("TLS 1.2", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA")])
sc("tls13", "TLS 1.3, server-only authentication",
   "Full 1-RTT handshake; two NewSessionTickets; one GET; close_notify both ways (all encrypted after ServerHello).",
   [], [ok("TLS 1.3", "TLS_AES_256_GCM_SHA384")])
sc("tls10", "TLS 1.0 (both sides limited to TLS 1.0, DEFAULT:@SECLEVEL=0)",
   "Full TLS 1.0 handshake; one GET; close_notify both ways.", ["weak_protocol"], [ok("TLS 1.0")])
sc("tls11", "TLS 1.1 (both sides limited to TLS 1.1, DEFAULT:@SECLEVEL=0)",
   "Full TLS 1.1 handshake; one GET; close_notify both ways.", ["weak_protocol"], [ok("TLS 1.1")])
sc("mtls12-ok", "TLS 1.2 mutual TLS that succeeds",
   "Server requires a client certificate (CertificateRequest naming the client CA); client sends Certificate (1 cert) and CertificateVerify; established; one GET; close_notify both ways.",
   [], [ok("TLS 1.2", client_cert_requested=True, client_cert_sent=True, client_certificate_verify=True)])
sc("mtls12-nocert", "TLS 1.2: server requires a client certificate, client has none",
   "Server sends CertificateRequest; client answers with an empty Certificate message (0 certs), no CertificateVerify; server sends a fatal handshake_failure alert (plaintext) and closes.",
   ["client_cert_not_sent", "handshake_alert"],
   [fail("TLS 1.2", ["s2c", "fatal", "handshake_failure"], client_cert_requested=True, client_cert_sent=False,
         client_certificate_message=True, client_certificate_verify=False)])
sc("mtls12-wrongca", "TLS 1.2: client certificate from a CA the server does not accept",
   "Server's CertificateRequest names only the client CA; the client sends a certificate issued by another CA (and CertificateVerify); server fails to verify it and sends fatal unknown_ca (plaintext).",
   ["client_cert_not_accepted", "handshake_alert"],
   [fail("TLS 1.2", ["s2c", "fatal", "unknown_ca"], client_cert_requested=True, client_cert_sent=True,
         client_certificate_verify=True)])
sc("mtls13-ok", "TLS 1.3 mutual TLS that succeeds",
   "CertificateRequest, client Certificate and CertificateVerify, all encrypted; established; one GET; close_notify both ways. Certificate facts are visible only with the keylog.",
   [], [ok("TLS 1.3", "TLS_AES_256_GCM_SHA384", client_cert_requested=True, client_cert_sent=True,
            client_certificate_verify=True)])
sc("mtls13-nocert", "TLS 1.3: server requires a client certificate, client has none",
   "Encrypted CertificateRequest; client sends an empty Certificate and Finished, then its GET; server sends a fatal certificate_required alert, encrypted (an application_data record of 19 bytes), and closes.",
   [], [fail("TLS 1.3", ["s2c", "fatal", "certificate_required"], cipher="TLS_AES_256_GCM_SHA384",
             client_cert_requested=True, client_cert_sent=False, client_certificate_message=True,
             client_certificate_verify=False)],
   may=["client_cert_not_sent (only as an inference)", "handshake_alert (encrypted, description unknown)"])
sc("mtls13-wrongca", "TLS 1.3: client certificate from a CA the server does not accept",
   "Encrypted CertificateRequest; client sends a certificate under another CA, CertificateVerify and Finished, then its GET; server sends a fatal unknown_ca alert, encrypted, and closes.",
   [], [fail("TLS 1.3", ["s2c", "fatal", "unknown_ca"], cipher="TLS_AES_256_GCM_SHA384",
             client_cert_requested=True, client_cert_sent=True, client_certificate_verify=True)],
   may=["client_cert_not_accepted (only as an inference)", "handshake_alert (encrypted, description unknown)"])
sc("server-no-intermediate", "TLS 1.2: server sends its leaf without the intermediate; client verifies",
   "Server's Certificate holds the leaf only (issuer: the intermediate, not sent); the client (-verify_return_error, root CA only) cannot build a chain and sends a fatal unknown_ca alert.",
   ["chain_incomplete", "handshake_alert"], [fail("TLS 1.2", ["c2s", "fatal", "unknown_ca"], server_certs=1)])
sc("server-no-intermediate-noverify", "TLS 1.2: server sends its leaf without the intermediate; client does not enforce verification",
   "Same server as server-no-intermediate; s_client notes the verify error but goes on (no -verify_return_error); established; one GET; close_notify both ways.",
   ["chain_incomplete"], [ok("TLS 1.2", server_certs=1)])
sc("server-expired", "TLS 1.2: expired server certificate",
   "Server sends leaf (valid 2020-01-01..2021-01-01) and intermediate; the client sends a fatal certificate_expired alert.",
   ["cert_expired", "handshake_alert"], [fail("TLS 1.2", ["c2s", "fatal", "certificate_expired"], server_certs=2)])
sc("client-untrusted-server", "TLS 1.2: the client does not trust the server's CA",
   "Server sends a complete chain (leaf + intermediate); the client trusts only another CA and sends a fatal unknown_ca alert. The chain itself is fine: no chain_incomplete.",
   ["handshake_alert"], [fail("TLS 1.2", ["c2s", "fatal", "unknown_ca"], server_certs=2)])
sc("sni-mismatch", "TLS 1.2: the client asks for wrong-name.test, the certificate is for the server's name",
   "SNI wrong-name.test; the leaf's SAN has only the server's name; s_client does not check the name; established; one GET; close_notify both ways.",
   ["hostname_mismatch"], [ok("TLS 1.2", sni="wrong-name.test")])
sc("version-mismatch", "Client offers only TLS 1.3, server speaks only TLS 1.2",
   "ClientHello with supported_versions [TLS 1.3] only; the server answers with a fatal protocol_version alert, no ServerHello.",
   ["protocol_version_mismatch", "handshake_alert"], [fail(None, ["s2c", "fatal", "protocol_version"])])
sc("no-shared-cipher", "TLS 1.2 with disjoint cipher lists",
   "Client offers only ECDHE-RSA-AES256-GCM-SHA384 (plus the renegotiation SCSV), the server accepts only AES128-SHA: fatal handshake_failure from the server, no ServerHello.",
   ["no_shared_cipher", "handshake_alert"], [fail(None, ["s2c", "fatal", "handshake_failure"])])
sc("resume12-sessid", "TLS 1.2 session-ID resumption (server without tickets)",
   "Connection 0: full handshake, the client saves the session. Connection 1: the client offers that session ID, the server echoes it; abbreviated handshake (no Certificate, no ServerHelloDone).",
   [], [ok("TLS 1.2"), ok("TLS 1.2", resumed=True, server_certs=0)])
sc("resume12-ticket", "TLS 1.2 session-ticket resumption",
   "Connection 0: full handshake with a NewSessionTicket. Connection 1: the client sends the ticket; abbreviated handshake.",
   [], [ok("TLS 1.2"), ok("TLS 1.2", resumed=True, server_certs=0)])
sc("resume13", "TLS 1.3 PSK resumption",
   "Connection 0: full handshake, tickets received. Connection 1: ClientHello with pre_shared_key, ServerHello selects it (pre_shared_key extension); no Certificate.",
   [], [ok("TLS 1.3"), ok("TLS 1.3", resumed=True)])
sc("ipv6-tls12", "TLS 1.2 over IPv6",
   "TLS 1.2 with the suite both sides prefer by default (ECDHE-RSA-AES256-GCM-SHA384), between the namespaces' IPv6 addresses; one GET; close_notify both ways.",
   [], [ok("TLS 1.2")])
sc("many-flows", "20 short connections in one capture, TLS 1.2 and TLS 1.3 in turn",
   "Flows 0, 2, 4, ... are TLS 1.2, flows 1, 3, 5, ... TLS 1.3; each does one GET and closes with close_notify both ways.",
   [], [{"repeat": 10, "each": [ok("TLS 1.2"), ok("TLS 1.3")]}])
big = "Server flight: a 4096-bit leaf with 60 SANs, the intermediate and the root (several segments); then 200 KB of application data. "
sc("netem-reorder", "Reordered server segments: 75% of them delayed by 20 ms, the other 25% overtake them",
   big + "impair.py holds back each server-to-client TCP segment by 20 ms except a random 25%, which go at once (netem 'delay 20ms reorder 25%' without correlation). Established; close_notify both ways.",
   [], [ok("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", server_certs=3)], capture=R,
   tcp_analysis={"out_of_order": ">0"}, flight_flags={"netem-reorder.pcap": ["out_of_order"]})
sc("netem-loss", "Lost server segments: 5% of the server's data segments dropped",
   big + "impair.py drops 5% of the server-to-client segments that carry data; the server retransmits them. Established; close_notify both ways.",
   [], [ok("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", server_certs=3)], capture=R, capture_tx=T,
   tcp_analysis={"retransmission": ">0"},
   flight_flags={"netem-loss.pcap": ["lost_segment"], "netem-loss-tx.pcap": ["resent"]})
sc("netem-dup", "Duplicated server segments: 10% of the server's segments sent twice",
   big + "impair.py sends 10% of the server-to-client TCP segments twice. Established; close_notify both ways.",
   [], [ok("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", server_certs=3)], capture=R,
   tcp_analysis={"retransmission": ">0"}, flight_flags={"netem-dup.pcap": ["retransmission_any"]})
about = ("Expected facts of tlsdump's own recorded captures (scripts/record/record.sh, scripts/record/expected.py). Per scenario: title, capture point, "
         "what happens, the diagnosis codes that must appear (codes) and ones that would also be right, and per connection "
         "the truth as tshark sees it with the keylog. '$DNS' stands for the server name of the recording "
         "(server.test for test/fixtures, another one for --holdout). Alerts are [dir, level, description].")
ABOUT = about
SCENARIOS = S
