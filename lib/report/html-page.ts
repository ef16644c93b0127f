// The style and the script of the HTML report (lib/report/html.ts), kept as plain strings so the page needs nothing
// from outside. The script reads the JSON data block, draws only the table rows in view (a virtual list: 10,000
// connections cost the same as 40), and renders a connection's details when it is chosen. It creates every element
// with createElement/createElementNS and sets text with textContent: no string ever becomes markup.

export const PAGE_STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:8px 12px;background:#263238;color:#eceff1}
h1{font-size:16px;margin:0 0 4px}
#controls{margin-top:6px}
#controls input[type=search]{font:inherit;padding:2px 6px}
main{display:flex;gap:12px;padding:8px 12px;align-items:flex-start}
#table{flex:0 0 58%;min-width:0;border:1px solid #cfd8dc;background:#fff}
#thead,.row{display:grid;grid-template-columns:3.5em minmax(10em,1.3fr) minmax(10em,1.3fr) 1fr 4.5em 9.5em 1.2fr;gap:6px;padding:0 6px;align-items:center}
#thead{font-weight:600;background:#eceff1;height:26px;cursor:pointer;user-select:none}
#thead span:hover{text-decoration:underline}
#viewport{height:calc(100vh - 150px);overflow-y:auto;position:relative}
#rows{position:absolute;left:0;right:0;top:0}
.row{height:22px;border-top:1px solid #eceff1;cursor:pointer;white-space:nowrap}
.row span{overflow:hidden;text-overflow:ellipsis}
.row:hover{background:#e3f2fd}
.row.sel{background:#bbdefb}
.ok{color:#2e7d32}.bad{color:#c62828;font-weight:600}.warn{color:#ef6c00}.info{color:#546e7a}
#detail{flex:1;min-width:0;background:#fff;border:1px solid #cfd8dc;padding:8px 12px;max-height:calc(100vh - 124px);overflow:auto}
#detail h2{font-size:15px;margin:4px 0}
#detail h3{font-size:13px;margin:12px 0 4px}
.diag{margin:4px 0;padding:4px 6px;border-left:4px solid #90a4ae;background:#f5f5f5;white-space:pre-wrap;word-break:break-word}
.diag.error{border-color:#c62828}.diag.warning{border-color:#ef6c00}
.cert{margin:4px 0 8px 0;padding:4px 6px;border:1px solid #e0e0e0;word-break:break-word}
.cert .check{margin-left:1em}
.hint{color:#78909c}
svg text{font:11px system-ui,sans-serif}
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var ROW = 23;
  var data = JSON.parse(document.getElementById('data').textContent);
  var certs = Object.create(null);
  var table = [];
  // A string field is a number into the string table, or the string itself (past the table's limit).
  var S = function (v) { return typeof v === 'number' ? table[v] : v; };
  var rows = [];
  for (var i = 0; i < data.length; i++) {
    var r = data[i];
    if (r.ns) for (var j = 0; j < r.ns.length; j++) table.push(r.ns[j]);
    if (r.nc) for (var k in r.nc) certs[k] = r.nc[k];
    r.in = S(r.in);
    r.sni = S(r.sni); r.v = S(r.v); r.ci = S(r.ci); r.h = S(r.h); r.end = S(r.end);
    if (r.w) r.w = [S(r.w[0]), S(r.w[1])];
    r.verdict = r.nv ? 'no verdict' : r.e ? 'established' : 'NOT established';
    r.worst = r.w ? r.w[0] + ' ' + r.w[1] : '';
    r.key = [r.f, r.c, r.s, r.sni || '', r.v || '', r.verdict, r.worst, r.in || ''].join(' ').toLowerCase();
    rows.push(r);
  }
  var cols = [
    ['flow', function (r) { return r.f; }],
    ['client', function (r) { return r.c; }],
    ['server', function (r) { return r.s; }],
    ['SNI', function (r) { return r.sni || ''; }],
    ['version', function (r) { return r.v || ''; }],
    ['verdict', function (r) { return r.verdict; }],
    ['worst diagnosis', function (r) { return r.worst; }]
  ];
  var sevRank = { error: 0, warning: 1, info: 2 };
  var view = rows.slice();
  var sortCol = 0, sortDir = 1, selected = null;
  var el = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  var thead = document.getElementById('thead');
  cols.forEach(function (c, i) {
    var s = el('span', c[0]);
    s.setAttribute('role', 'columnheader');
    s.addEventListener('click', function () { sortDir = sortCol === i ? -sortDir : 1; sortCol = i; apply(); });
    thead.appendChild(s);
  });
  var viewport = document.getElementById('viewport');
  var spacer = document.getElementById('spacer');
  var body = document.getElementById('rows');
  var filter = document.getElementById('filter');
  var failed = document.getElementById('failed');
  var shown = document.getElementById('shown');
  var established = 0;
  rows.forEach(function (r) { if (r.e) established++; });
  document.getElementById('totals').textContent = rows.length + ' connections: ' + established + ' established, ' + (rows.length - established) + ' not';

  function cmp(a, b) {
    var x, y;
    if (sortCol === 6) { x = a.w ? sevRank[a.w[0]] : 9; y = b.w ? sevRank[b.w[0]] : 9; if (x === y) { x = a.worst; y = b.worst; } }
    else { x = cols[sortCol][1](a); y = cols[sortCol][1](b); }
    return (x < y ? -1 : x > y ? 1 : a.f - b.f) * sortDir;
  }
  function apply() {
    // Words must all occur; "quoted words" as a phrase.
    var q = (filter.value.toLowerCase().match(/"[^"]*"|\\S+/g) || []).map(function (w) { return w.replace(/^"|"$/g, ''); }).filter(Boolean);
    var onlyFailed = failed.checked;
    view = rows.filter(function (r) {
      if (onlyFailed && r.e) return false;
      for (var i = 0; i < q.length; i++) if (r.key.indexOf(q[i]) < 0) return false;
      return true;
    });
    view.sort(cmp);
    shown.textContent = view.length + ' shown';
    spacer.style.height = view.length * ROW + 'px';
    Array.prototype.forEach.call(thead.children, function (s, i) { s.textContent = cols[i][0] + (i === sortCol ? (sortDir > 0 ? ' ▲' : ' ▼') : ''); });
    paint();
  }
  function paint() {
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 5);
    var last = Math.min(view.length, first + Math.ceil(viewport.clientHeight / ROW) + 10);
    body.style.top = first * ROW + 'px';
    body.textContent = '';
    for (var i = first; i < last; i++) {
      var r = view[i];
      var row = el('div', null, 'row' + (r === selected ? ' sel' : ''));
      row.setAttribute('role', 'row');
      row.dataset.flow = String(r.f);
      row.style.height = (ROW - 1) + 'px';
      cols.forEach(function (c, j) {
        var v = c[1](r);
        var cls = j === 5 ? (r.e ? 'ok' : 'bad') : j === 6 && r.w ? (r.w[0] === 'error' ? 'bad' : r.w[0] === 'warning' ? 'warn' : 'info') : '';
        var cell = el('span', v, cls);
        cell.title = String(v);
        row.appendChild(cell);
      });
      row.addEventListener('click', choose.bind(null, r));
      body.appendChild(row);
    }
  }
  viewport.addEventListener('scroll', function () { window.requestAnimationFrame(paint); });
  window.addEventListener('resize', paint);
  filter.addEventListener('input', apply);
  failed.addEventListener('change', apply);

  var SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function cut(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }
  // Lines of at most n characters, broken at spaces or commas where there is one in the second half.
  function wrap(s, n) {
    s = String(s);
    var out = [];
    while (s.length > n) {
      var k = -1;
      for (var i = n; i > n / 2; i--) if (s[i] === ' ' || s[i - 1] === ',') { k = i; break; }
      if (k < 0) k = n;
      out.push(s.slice(0, k));
      s = s.slice(s[k] === ' ' ? k + 1 : k);
    }
    out.push(s);
    return out;
  }
  function ladder(r) {
    var W = 720, L = 110, R = 610, y = 50;
    var g = svg('svg', { role: 'img', 'aria-label': 'ladder diagram of flow ' + r.f });
    var defs = svg('defs', {});
    [['a', '#37474f'], ['ar', '#c62828']].forEach(function (m) {
      var mk = svg('marker', { id: 'm' + m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
      mk.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }));
      defs.appendChild(mk);
    });
    g.appendChild(defs);
    g.appendChild(svg('text', { x: L, y: 16, 'text-anchor': 'middle', 'font-weight': 'bold' }, 'client'));
    g.appendChild(svg('text', { x: L, y: 30, 'text-anchor': 'middle' }, cut(r.c, 40)));
    g.appendChild(svg('text', { x: R, y: 16, 'text-anchor': 'middle', 'font-weight': 'bold' }, 'server'));
    g.appendChild(svg('text', { x: R, y: 30, 'text-anchor': 'middle' }, cut(r.s, 40)));
    var items = [];
    r.st.forEach(function (st) {
      var kind = S(st[0]), dir = st[1], at = st[2], title = S(st[3]), facts = (st[4] || []).map(S);
      var red = kind === 'alert' || kind === 'reset';
      var color = red ? '#c62828' : kind === 'gap' ? '#ef6c00' : '#37474f';
      var lines = [];
      facts.slice(0, 8).forEach(function (f) { lines = lines.concat(wrap(f, 92)); });
      lines = lines.slice(0, 12);
      var h = 22 + 13 * lines.length;
      var grp = svg('g', { 'class': 'step ' + kind });
      grp.appendChild(svg('title', {}, title + ' (' + at + ')' + (facts.length ? '\\n' + facts.join('\\n') : '')));
      if (dir && kind !== 'gap') {
        var x1 = dir === 'c2s' ? L : R, x2 = dir === 'c2s' ? R : L;
        var ly = y + 16 + 13 * lines.length;
        var line = svg('line', { x1: x1, y1: ly, x2: x2, y2: ly, stroke: color, 'stroke-width': red ? 2.5 : 1.5, 'marker-end': 'url(#m' + (red ? 'ar' : 'a') + ')' });
        if (kind === 'records') line.setAttribute('stroke-dasharray', '5 3');
        grp.appendChild(line);
        grp.appendChild(svg('text', { x: (L + R) / 2, y: y + 10, 'text-anchor': 'middle', fill: color, 'font-weight': red || kind === 'message' ? 'bold' : 'normal' }, cut(title + ' (' + at + ')', 90)));
        lines.forEach(function (f, i) { grp.appendChild(svg('text', { x: (L + R) / 2, y: y + 23 + 13 * i, 'text-anchor': 'middle', fill: red ? color : '#455a64' }, cut(f, 110))); });
      } else {
        grp.appendChild(svg('rect', { x: L - 20, y: y, width: R - L + 40, height: h - 4, fill: red ? '#ffcdd2' : '#ffecb3', stroke: color }));
        grp.appendChild(svg('text', { x: (L + R) / 2, y: y + 14, 'text-anchor': 'middle', fill: color, 'font-weight': 'bold' }, cut(title + ' (' + at + ')' + (lines.length ? ': ' + lines[0] : ''), 95)));
        h = 26;
      }
      items.push(grp);
      y += h + 6;
    });
    var top = svg('g', {});
    top.appendChild(svg('line', { x1: L, y1: 38, x2: L, y2: y + 4, stroke: '#90a4ae' }));
    top.appendChild(svg('line', { x1: R, y1: 38, x2: R, y2: y + 4, stroke: '#90a4ae' }));
    g.appendChild(top);
    items.forEach(function (i) { g.appendChild(i); });
    if (r.om) { g.appendChild(svg('text', { x: (L + R) / 2, y: y + 10, 'text-anchor': 'middle' }, '… ' + r.om + ' more steps not shown')); y += 16; }
    // Scales down to the panel's width (never up), keeping its proportions.
    g.setAttribute('viewBox', '0 0 ' + W + ' ' + (y + 10));
    g.setAttribute('width', '100%');
    g.style.maxWidth = W + 'px';
    g.style.height = 'auto';
    return g;
  }
  function when(r) {
    var t = r.ts && /^\\d{4}-\\d\\d-\\d\\dT/.test(r.ts) ? Date.parse(/Z$|[+-]\\d\\d:?\\d\\d$/.test(r.ts) ? r.ts : r.ts + 'Z') : NaN;
    return isNaN(t) ? { t: Date.now(), what: 'today (the capture has no date)' } : { t: t, what: 'the capture time' };
  }
  function chain(r, dir, box) {
    var shas = r.ch && r.ch[dir];
    if (!shas) return;
    var side = dir === 's2c' ? 'server' : 'client';
    box.appendChild(el('h3', side + ' certificate chain (' + (shas.length ? shas.length + ' sent' : 'EMPTY: none sent') + ')'));
    var now = when(r);
    shas.forEach(function (sha, i) {
      var c = certs[sha] || {};
      var d = el('div', null, 'cert');
      d.appendChild(el('div', '[' + i + '] ' + (c.subject || (c.error ? 'not decoded: ' + c.error : '?'))));
      if (c.issuer !== undefined) d.appendChild(el('div', 'issuer ' + c.issuer, 'info'));
      if (c.san && c.san.length) d.appendChild(el('div', 'SAN ' + c.san.join(', '), 'info'));
      d.appendChild(el('div', 'valid ' + (c.not_before || '?') + ' → ' + (c.not_after || '?') + ' · ' + (c.key_type || '') + ' ' + (c.key_bits || '') + ' · ' + (c.sig_alg || ''), 'info'));
      d.appendChild(el('div', 'sha256 ' + sha, 'info'));
      var checks = [];
      var nb = Date.parse(c.not_before), na = Date.parse(c.not_after);
      if (!isNaN(na) && na < now.t) checks.push(['bad', 'expired before ' + now.what]);
      else if (!isNaN(nb) && nb > now.t) checks.push(['bad', 'not yet valid at ' + now.what]);
      else if (!isNaN(na)) checks.push(['ok', 'valid at ' + now.what]);
      if (c.self_signed) checks.push(['info', 'self-signed']);
      var next = shas[i + 1] && certs[shas[i + 1]];
      if (next && c.issuer !== undefined) checks.push(c.issuer === next.subject ? ['ok', 'issued by the next certificate'] : ['warn', 'not issued by the next certificate (' + (next.subject || '?') + ')']);
      else if (!next && !c.self_signed && c.issuer !== undefined) checks.push(['warn', 'its issuer was not sent']);
      checks.forEach(function (ch) { d.appendChild(el('div', (ch[0] === 'ok' ? '✓ ' : ch[0] === 'info' ? '• ' : '✗ ') + ch[1], 'check ' + ch[0])); });
      box.appendChild(d);
    });
  }
  function choose(r) {
    selected = r;
    paint();
    var box = document.getElementById('detail');
    box.textContent = '';
    box.appendChild(el('h2', 'flow ' + r.f + ': ' + r.c + ' → ' + r.s));
    if (r.in) box.appendChild(el('div', 'input ' + r.in, 'info'));
    var facts = [r.verdict, r.v || 'no version', r.ci || 'no cipher', r.r ? 'resumed' : 'full handshake'];
    if (r.sni !== undefined && r.sni !== null) facts.push('SNI ' + r.sni);
    box.appendChild(el('div', facts.join(' · '), r.e ? 'ok' : 'bad'));
    var yn = function (v) { return v === true ? 'yes' : v === false ? 'no' : 'not visible'; };
    box.appendChild(el('div', 'client certificate: requested ' + yn(r.cr) + ', sent ' + yn(r.cs)));
    if (r.al && r.al.length) box.appendChild(el('div', 'alerts: ' + r.al.map(function (a) { return (a.dir === 's2c' ? 'server ' : 'client ') + (a.encrypted ? 'encrypted' + (a.inferred ? ' (inferred)' : '') : S(a.level) + ' ' + S(a.description)); }).join('; '), 'bad'));
    box.appendChild(el('div', 'history ' + (r.h || '') + ' · end ' + (r.end || '?') + (r.at ? ' · ' + r.at : '') + (r.o ? ' · opened ' + r.o : ''), 'info'));
    box.appendChild(el('h3', 'ladder'));
    box.appendChild(ladder(r));
    box.appendChild(el('h3', 'diagnoses'));
    if (!r.d.length) box.appendChild(el('div', 'none', 'info'));
    r.d.map(function (d) { return d.map(S); }).sort(function (a, b) { return (sevRank[a[0]] || 3) - (sevRank[b[0]] || 3); }).forEach(function (d) {
      var e = el('div', null, 'diag ' + d[0]);
      var head = el('b', String(d[0]).toUpperCase() + ' ' + d[1] + (d[3] ? ' (' + d[3] + ')' : '') + ': ');
      e.appendChild(head);
      e.appendChild(document.createTextNode(d[2] || ''));
      box.appendChild(e);
    });
    chain(r, 's2c', box);
    chain(r, 'c2s', box);
    box.scrollTop = 0;
  }
  apply();
  // For scripts and tests: the counts, and a connection chosen by flow number or by its place in the input order.
  window.tlsdumpReport = {
    rows: rows.length,
    shown: function () { return view.length; },
    choose: function (flow) { for (var i = 0; i < rows.length; i++) if (rows[i].f === flow) { choose(rows[i]); return true; } return false; },
    open: function (i) { if (!rows[i]) return false; choose(rows[i]); return true; }
  };
  document.body.dataset.ready = 'yes';
})();
`;
