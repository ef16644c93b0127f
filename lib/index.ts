// The public API of tlsdump: the composed decoder, its stages and the shapes that flow between them.

export * from './events.js';
export * from './messages.js';
export { Cursor, hex } from './cursor.js';
export { defaultOptions, LIMITS, type Options } from './options.js';
export { createDecoder, decodeAll, decodeStream } from './pipeline.js';
export { decodeNdjson, WorkerPool, type ParallelTuning } from './parallel/index.js';
export { fileInput } from './fileinput.js';
export * as net from './net/index.js';
export { PcapPackets, sniffInput } from './pcap/index.js';
export { LineSplitter } from './text/lines.js';
export { TextPackets } from './text/index.js';
export { Reassembler } from './tcp/index.js';
export { Excerpts } from './excerpt/index.js';
export { TlsDecoder } from './tls/index.js';
export { KeyStore, KEYLOG_LABELS, type Secrets } from './keylog/index.js';
export { Sessions } from './session/index.js';
export { worstDiagnosis, type Diagnosis } from './session/diagnosis.js';
export { sanitize } from './output/sanitize.js';
export { jsonLine } from './output/jsonline.js';
export { TextFormatter } from './output/text.js';
export { EcsDocuments, ecsDocument, ECS_VERSION } from './output/ecs.js';
export { report } from './report/index.js';
export { resolveOptions, type OptionsInput } from './options.js';
export { toTransform, type Core } from './stream.js';
export { formatStream, decoderEvents, FORMATS, type Format, type FormatOptions } from './output/formats.js';
export * as streams from './streams.js';
export type { Line, Overlong, PacketItem, FlowStageItem, SecretsBlock } from './streams.js';
