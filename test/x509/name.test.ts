import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeName, nameKey, namesMatch, parseName, parseTime } from '../../lib/x509/index.js';
import { oidString } from '../../lib/x509/der.js';
import { C, CN, O, OU, ava, name, oid, printable, raw, seq, set, tlv, utf8 } from './build.js';

const cn = (v: Uint8Array): Uint8Array => name([ava(CN, v)]);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('name: RDNs come out last-to-first, comma-separated, with the RFC 4514 short names', () => {
  const der = name([ava(C, printable('US'))], [ava(O, utf8('Example'))], [ava(OU, utf8('Web'))], [ava(CN, utf8('www.example.com'))]);
  assert.is(parseName(der), 'CN=www.example.com,OU=Web,O=Example,C=US');
  const all = name(
    [ava('2.5.4.9', utf8('1 Main St'))],
    [ava('2.5.4.7', utf8('Town'))],
    [ava('2.5.4.8', utf8('State'))],
    [ava('0.9.2342.19200300.100.1.25', utf8('com'))],
    [ava('0.9.2342.19200300.100.1.1', utf8('jdoe'))],
  );
  assert.is(parseName(all), 'UID=jdoe,DC=com,ST=State,L=Town,STREET=1 Main St');
});

test('name: a multi-valued RDN joins its attributes with + in encoded order', () => {
  assert.is(parseName(name([ava(C, printable('DE'))], [ava(CN, utf8('x')), ava('0.9.2342.19200300.100.1.1', utf8('42'))])), 'CN=x+UID=42,C=DE');
});

test('name: RFC 4514 §2.4 escaping of special characters, leading # or space, trailing space, controls', () => {
  const cases: [string, string][] = [
    ['a,b', 'a\\,b'],
    ['a+b', 'a\\+b'],
    ['say "hi"', 'say \\"hi\\"'],
    ['a\\b', 'a\\\\b'],
    ['<x>;y', '\\<x\\>\\;y'],
    ['#lead', '\\#lead'],
    ['mid#dle', 'mid#dle'],
    [' both ', '\\ both\\ '],
    [' ', '\\ '],
    ['a=b', 'a=b'],
    ['line\nbreak\x00nul\x7f', 'line\\0Abreak\\00nul\\7F'],
    ['', ''],
  ];
  for (const [value, want] of cases) assert.is(parseName(cn(utf8(value))), `CN=${want}`, JSON.stringify(value));
});

test('name: types without a name of ours, and named types whose value is not a string, are #hex of the DER', () => {
  assert.is(parseName(name([ava('1.2.3.4', utf8('odd'))])), '1.2.3.4=#0c036f6464');
  assert.is(parseName(name([ava(CN, raw(0x02, 0x01, 0x00))])), 'CN=#02020100');
  assert.is(parseName(name([ava('1.2.840.113549.1.9.1', tlv(0x16, Buffer.from('a@b.example')))])), 'emailAddress=a@b.example');
});

test('name: string types decode to text: UTF8String, PrintableString, IA5String, TeletexString as Latin-1, BMPString, UniversalString', () => {
  assert.is(parseName(cn(utf8('Привет мир'))), 'CN=Привет мир');
  assert.is(parseName(cn(tlv(0x14, [0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]))), 'CN=Müller', 'T61String read as Latin-1');
  assert.is(parseName(cn(tlv(0x1e, [0x04, 0x1f, 0x00, 0x21]))), 'CN=П!', 'BMPString');
  assert.is(parseName(cn(tlv(0x1e, [0xd8, 0x35, 0xdd, 0x18]))), 'CN=𝔘', 'BMPString surrogate pair');
  assert.is(parseName(cn(tlv(0x1c, [0, 1, 0xd5, 0x18, 0, 0, 0, 0x41]))), 'CN=𝔘A', 'UniversalString');
  assert.is(parseName(cn(tlv(0x16, Buffer.from('ia5')))), 'CN=ia5');
  assert.is(parseName(cn(tlv(0x1a, Buffer.from('visible')))), 'CN=visible');
});

test('name: invalid text (bad UTF-8, lone surrogates, odd lengths) becomes #hex, so output is always well-formed Unicode', () => {
  const bad: Uint8Array[] = [
    tlv(0x0c, [0xc0, 0x80]), // overlong NUL
    tlv(0x0c, [0x61, 0x80]), // lone continuation
    tlv(0x0c, [0xed, 0xa0, 0x80]), // UTF-8 encoded surrogate
    tlv(0x0c, [0xe2, 0x82]), // cut short
    tlv(0x0c, [0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    tlv(0x1e, [0xd8, 0x00]), // lone high surrogate
    tlv(0x1e, [0xdc, 0x00, 0x00, 0x41]), // lone low surrogate
    tlv(0x1e, [0x00]), // odd length
    tlv(0x1c, [0, 0x11, 0, 0]), // UniversalString beyond U+10FFFF
    tlv(0x1c, [0, 0, 0xd8, 0]), // UniversalString surrogate
  ];
  for (const v of bad) {
    const s = parseName(cn(v));
    assert.is(s, `CN=#${hexOf(v)}`);
    assert.not.ok(/\p{Surrogate}/u.test(s!), 'lone surrogate');
  }
});

test('name: an empty Name is the empty string', () => {
  assert.is(parseName(seq()), '');
});

test('name: malformed Names give undefined from parseName and a reason from decodeName, never an exception', () => {
  const good = name([ava(CN, utf8('x'))]);
  assert.is(parseName(good.subarray(0, good.length - 1)), undefined);
  const r = decodeName(good.subarray(0, good.length - 1));
  assert.ok('error' in r && /truncated/.test(r.error), JSON.stringify(r));
  assert.is(parseName(seq(set())), undefined, 'empty RDN');
  assert.is(parseName(Uint8Array.from([...good, 0])), undefined, 'trailing byte');
  assert.is(parseName(seq(set(seq(oid(CN))))), undefined, 'attribute without a value');
  assert.is(parseName(set(ava(CN, utf8('x')))), undefined, 'SET instead of SEQUENCE');
  assert.is(parseName(Uint8Array.from([0x30, 0x80, 0, 0])), undefined, 'indefinite length');
  assert.is(parseName(new Uint8Array()), undefined);
  for (let i = 0; i < good.length; i++) assert.is(parseName(good.subarray(0, i)), undefined, `prefix ${i}`);
});

test('name: namesMatch ignores case, extra spaces, string type and attribute order within an RDN', () => {
  assert.ok(namesMatch('CN=Example CA,O=Acme,C=US', 'cn=example  ca, o=ACME,c=us'.replace(', ', ',')));
  assert.ok(namesMatch('CN=x+UID=42,C=DE', 'UID=42+CN=x,C=DE'));
  assert.ok(namesMatch('CN=a\\,b', 'CN=A\\2Cb'));
  assert.ok(namesMatch('CN=\\ padded\\ ', 'CN=padded'));
  assert.not.ok(namesMatch('CN=Example CA,O=Acme', 'CN=Example CA,O=Acme2'));
  assert.not.ok(namesMatch('CN=a,O=b', 'O=b,CN=a'), 'RDN order matters');
  assert.not.ok(namesMatch('CN=a+O=b', 'CN=a,O=b'));
  assert.not.ok(namesMatch('1.2.3.4=#0c0161', '1.2.3.4=#0c0162'));
  assert.is(nameKey(''), '');
  // The same name in PrintableString and in UTF8String.
  const a = parseName(name([ava(CN, printable('Test'))]))!;
  const b = parseName(name([ava(CN, utf8('Test'))]))!;
  assert.ok(namesMatch(a, b));
});

test('time: UTCTime years 50-99 are 19YY and 00-49 are 20YY; output is ISO 8601 UTC', () => {
  assert.is(parseTime(23, '491231235959Z'), '2049-12-31T23:59:59Z');
  assert.is(parseTime(23, '500101000000Z'), '1950-01-01T00:00:00Z');
  assert.is(parseTime(23, '080502170255Z'), '2008-05-02T17:02:55Z');
});

test('time: GeneralizedTime, fractions dropped, pre-DER forms without seconds or with offsets converted to UTC', () => {
  assert.is(parseTime(24, '20600229120000Z'), '2060-02-29T12:00:00Z');
  assert.is(parseTime(24, '20500101000000.123Z'), '2050-01-01T00:00:00Z');
  assert.is(parseTime(23, '9901010000Z'), '1999-01-01T00:00:00Z');
  assert.is(parseTime(23, '990101000000+0130'), '1998-12-31T22:30:00Z');
  assert.is(parseTime(24, '00010101000000-0100'), '0001-01-01T01:00:00Z');
});

test('time: impossible or malformed times are undefined', () => {
  for (const [tag, s] of [
    [23, '210229000000Z'],
    [23, '211301000000Z'],
    [23, '210132000000Z'],
    [23, '210101240000Z'],
    [23, '2101010000'],
    [24, '210101000000Z'],
    [23, '21010100000Z'],
    [2, '210101000000Z'],
    [23, '21010100000AZ'],
  ] as [number, string][])
    assert.is(parseTime(tag, s), undefined, s);
  assert.is(parseTime(24, '20000229000000Z'), '2000-02-29T00:00:00Z', '2000 is a leap year');
  assert.is(parseTime(24, '21000229000000Z'), undefined, '2100 is not');
});

test('oid: dotted decimal for small, joint-iso and 128-bit arcs; invalid encodings are undefined', () => {
  const body = (d: string): Uint8Array => oid(d).subarray(2);
  for (const d of ['2.5.4.3', '1.2.840.113549.1.1.11', '0.9.2342.19200300.100.1.25', '2.999.1', '2.25.329800735698586629295641978511506172918'])
    assert.is(oidString(body(d)), d);
  assert.is(oidString(new Uint8Array()), undefined);
  assert.is(oidString(Uint8Array.from([0x55, 0x84])), undefined);
});

test.run();
