#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Round-trip checker: records exactly what OTLP clients send to the appliance and compares it,
// item for item and by decoded content, with what the segment store gives back.
//
// Subcommands (run `node roundtrip.mjs help`):
//
//   proxy --listen HOST:PORT --target URL --dir DIR [--ttl-s N]
//       A capture proxy. Every request's body (as sent: still gzip'd if it was), method, path,
//       Content-Type and Content-Encoding go to DIR/<seq>.body + DIR/<seq>.json; the request
//       is forwarded unchanged (same method, path, headers, body) to URL and the appliance's
//       response (status, headers, body) is relayed back and its status written into the
//       .json. Exits after --ttl-s seconds (default 900) if nobody stops it first.
//
//   grpc-proxy --listen HOST:PORT --target HOST:PORT --dir DIR [--ttl-s N]
//       The same for OTLP/gRPC: an HTTP/2 cleartext (h2c, prior knowledge) server that takes
//       each call of a gRPC client, forwards it unchanged (path, metadata, the framed
//       message bytes) on one h2c connection to the appliance, and relays the response
//       headers, messages and trailers (or a trailers-only answer) back. Every gRPC message
//       of a request becomes one capture: its bytes as sent (still gzip'd when the
//       compressed flag was set), content_encoding = grpc-encoding when compressed, and
//       the answer's :status and grpc-status. A capture counts as accepted when the answer
//       was 200 with grpc-status 0.
//
//   record --dir DIR --path /v1/S --content-type T [--content-encoding E] --status N
//          --body FILE [--body FILE]... [--expect FILE] [--label L] [--source NAME]
//       Adds one capture per --body made by another client (curl, grpcio) in the proxy's
//       format; --source names the client (default curl). --expect names a body with the
//       same content in another spelling (traces_variants.json -> traces.json); the
//       compare decodes that one instead.
//
//   counts --captures DIR
//       One JSON line: per signal, requests (accepted captures: one per gRPC message),
//       Resource entries and items (spans, metric data points, log records) in the
//       captures, items and requests by source (proxy, grpc-proxy, curl), requests by
//       Content-Encoding (identity, gzip, ...); not_200 lists the captures not accepted.
//
//   store-dump --store DIR --signal S --out FILE
//       Reads the segment files under DIR (docs/segment-format.md, version 1) on its own,
//       without sluicectl, and writes every record of signal S in the framing of
//       `sluicectl segments dump --format pb`: u32 big-endian length, then the raw
//       Export*ServiceRequest. A second, independent reader to cross-check the dump.
//
//   compare --captures DIR --signal S --dump FILE [--dump FILE]... [--max-diffs N]
//       Decodes every accepted capture of signal S (gunzip / inflate / unzstd as its
//       Content-Encoding says; protobuf with protobufjs and proto/; OTLP/JSON converted to
//       the protobuf object: hex ids, int64 strings or numbers, enum names or numbers) and
//       every record of the dump files; canonicalises both through protobufjs (encode,
//       decode, toObject without defaults, sorted keys); flattens both into multisets of
//       items (resource + its schema URL, scope + its schema URL, [metric without points,]
//       the item) and compares them exactly. Also compares the multisets of whole Resource
//       entries, and for protobuf captures checks that each Resource entry's raw bytes are
//       stored verbatim (the pipeline only slices, it never re-encodes protobuf).
//       Prints a readable diff of the first mismatches, then one JSON summary line.
//       Exit 0 when everything matches, 1 on a mismatch, 2 on a usage or decode error.
//
// Captures count as accepted (and are the only ones compared or counted) when they were
// answered 200 and, for gRPC captures, grpc-status 0; `counts` lists the others in not_200.

import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const PROTO_DIR = path.resolve(HERE, '../../../proto');

const SIGNALS = {
	traces: {
		request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
		file: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
		resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans', code: 0,
	},
	metrics: {
		request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
		file: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
		resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics', code: 1,
	},
	logs: {
		request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
		file: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
		resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords', code: 2,
	},
};
const METRIC_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

function die(msg, code = 2) {
	process.stderr.write(`roundtrip.mjs: ${msg}\n`);
	process.exit(code);
}

// --- protobuf ------------------------------------------------------------------------

let proto_root = null;

function request_type(signal) {
	if (proto_root === null) {
		const protobuf = require('protobufjs');
		proto_root = new protobuf.Root();
		proto_root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
		proto_root.loadSync(Object.values(SIGNALS).map(s => s.file), { keepCase: false });
	}
	return proto_root.lookupType(SIGNALS[signal].request);
}

// toObject options shared by both sides: int64 as decimal strings, enums as numbers, bytes
// as base64, fields at their default left out, NaN/Infinity as strings (json).
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false,
	arrays: false, objects: false, oneofs: false, json: true };

// proto3 without presence: a scalar at its default (0, "", false, empty bytes, enum 0)
// means the same on the wire as no field at all, and encoders differ on writing it
// (protobufjs writes whatever was set; sluice's JSON transcoder leaves zeros out). Drop
// such fields, except members of a oneof (AnyValue's arms) and proto3 `optional` fields
// (synthetic oneofs: HistogramDataPoint.sum/min/max), whose presence is content.
function strip_defaults(T, msg) {
	for (const f of T.fieldsArray) {
		if (!Object.prototype.hasOwnProperty.call(msg, f.name))
			continue;
		const v = msg[f.name];
		f.resolve();
		const sub = f.resolvedType && f.resolvedType.fields !== undefined ? f.resolvedType : null;
		if (f.map) {
			if (sub)
				Object.values(v).forEach(x => strip_defaults(sub, x));
			continue;
		}
		if (f.repeated) {
			if (sub)
				v.forEach(x => strip_defaults(sub, x));
			continue;
		}
		if (sub) {
			if (v)
				strip_defaults(sub, v);
			continue;
		}
		if (f.partOf)
			continue;
		const zero = v === null || v === 0 || v === '' || v === false ||
			(typeof v === 'object' && (v.length === 0 ||
				(typeof v.isZero === 'function' && v.isZero())));
		if (zero)
			delete msg[f.name];
	}
	return msg;
}

// Decodes protobuf bytes into the canonical object (throws on invalid input).
function canon_from_pb(signal, buf) {
	const T = request_type(signal);
	return sort_keys(T.toObject(strip_defaults(T, T.decode(buf)), TO_OBJECT));
}

// The top-level field-1 entries (Resource*) of an Export*ServiceRequest, as raw byte
// ranges, by walking the wire format. Anything but field 1 is returned under `other`.
function split_entries(buf) {
	const entries = [];
	let other = 0;
	let p = 0;
	const varint = () => {
		let v = 0n, shift = 0n;
		for (;;) {
			if (p >= buf.length)
				throw new Error('truncated varint');
			const b = buf[p++];
			v |= BigInt(b & 0x7f) << shift;
			if (!(b & 0x80))
				return v;
			shift += 7n;
			if (shift > 63n)
				throw new Error('varint too long');
		}
	};
	while (p < buf.length) {
		const key = Number(varint());
		const field = key >>> 3, wt = key & 7;
		let start = p, end;
		switch (wt) {
		case 0: varint(); end = p; break;
		case 1: end = p + 8; break;
		case 5: end = p + 4; break;
		case 2: { const n = Number(varint()); start = p; end = p + n; break; }
		default: throw new Error(`wire type ${wt} at top level`);
		}
		if (end > buf.length)
			throw new Error('field past the end');
		p = end;
		if (field === 1 && wt === 2)
			entries.push(buf.subarray(start, end));
		else
			other++;
	}
	return { entries, other };
}

// protobufjs' decoders read a field by number whatever its wire type says, and skip
// unknown fields: a record with a flipped wire-type bit could decode to the same content.
// So every stored record is also walked strictly against the schema: each field's wire
// type must be the one its type has (or length-delimited for a packed repeated scalar),
// and no field may be unknown (the clients here send none).
const WT = { double: 1, fixed64: 1, sfixed64: 1, float: 5, fixed32: 5, sfixed32: 5,
	string: 2, bytes: 2 };

function strict_walk(T, buf, where, out) {
	let p = 0;
	const varint = () => {
		let v = 0n, shift = 0n;
		for (;;) {
			if (p >= buf.length)
				throw new Error(`${where}: truncated varint`);
			const b = buf[p++];
			v |= BigInt(b & 0x7f) << shift;
			if (!(b & 0x80))
				return v;
			shift += 7n;
			if (shift > 63n)
				throw new Error(`${where}: varint too long`);
		}
	};
	while (p < buf.length && out.length < 10) {
		const key = Number(varint());
		const id = key >>> 3, wt = key & 7;
		const f = T.fieldsById[id];
		let start = p, end;
		switch (wt) {
		case 0: varint(); end = p; break;
		case 1: end = p + 8; break;
		case 5: end = p + 4; break;
		case 2: { const n = Number(varint()); start = p; end = p + n; break; }
		default:
			out.push(`${where}: field ${id} has wire type ${wt} (groups are not OTLP)`);
			return;
		}
		if (end > buf.length) {
			out.push(`${where}: field ${id} runs past its message`);
			return;
		}
		p = end;
		if (!f) {
			out.push(`${where}: unknown field ${id} (wire type ${wt}) in ${T.name}`);
			continue;
		}
		f.resolve();
		const is_msg = f.resolvedType && f.resolvedType.fields !== undefined;
		const want = is_msg ? 2 : (WT[f.type] ?? 0);
		if (wt !== want && !(f.repeated && want !== 2 && wt === 2)) {
			out.push(`${where}: ${T.name}.${f.name} has wire type ${wt}, want ${want}`);
			continue;
		}
		if (is_msg)
			strict_walk(f.resolvedType, buf.subarray(start, end), `${where}.${f.name}`, out);
	}
}

function strict_check(signal, buf) {
	const out = [];
	try {
		strict_walk(request_type(signal), buf, 'request', out);
	} catch (e) {
		out.push(e.message);
	}
	return out;
}

// --- OTLP/JSON -> protobuf object ------------------------------------------------------

// JSON.parse loses integers above 2^53; OTLP/JSON clients may send int64 as bare numbers.
// Wrap every integer literal of 16+ digits in quotes before parsing (protobufjs' fromObject
// takes decimal strings for 64-bit fields).
function parse_json_exact(text) {
	let out = '';
	let last = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '"') {
			for (i++; i < text.length && text[i] !== '"'; i++) {
				if (text[i] === '\\')
					i++;
			}
			continue;
		}
		if (c === '-' || (c >= '0' && c <= '9')) {
			let j = i;
			while (j < text.length && /[-+0-9.eE]/.test(text[j]))
				j++;
			const lit = text.slice(i, j);
			if (/^-?\d{16,}$/.test(lit)) {
				out += text.slice(last, i) + '"' + lit + '"';
				last = j;
			}
			i = j - 1;
		}
	}
	return JSON.parse(out + text.slice(last));
}

const HEX_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function camel(k) {
	return k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function b64_std(s) {
	s = s.replace(/-/g, '+').replace(/_/g, '/');
	while (s.length % 4)
		s += '=';
	return s;
}

// OTLP/JSON differs from protobuf's JSON mapping in ids (hex, not base64); snake_case keys
// and nulls are tolerated by some receivers, so normalise them too. Everything else
// (int64 as string or number, enums as names or numbers, base64 bytes) fromObject takes.
function otlp_json_to_pb_object(v) {
	if (Array.isArray(v))
		return v.filter(x => x !== null).map(otlp_json_to_pb_object);
	if (v === null || typeof v !== 'object')
		return v;
	const o = {};
	for (const [k0, x] of Object.entries(v)) {
		if (x === null)
			continue;
		const k = camel(k0);
		if (HEX_FIELDS.has(k) && typeof x === 'string') {
			if (!/^([0-9a-fA-F]{2})*$/.test(x))
				throw new Error(`${k}: not hex: '${x}'`);
			o[k] = Buffer.from(x, 'hex').toString('base64');
		} else if (k === 'bytesValue' && typeof x === 'string') {
			o[k] = b64_std(x);
		} else {
			o[k] = otlp_json_to_pb_object(x);
		}
	}
	return o;
}

function canon_from_json(signal, buf) {
	const T = request_type(signal);
	const obj = otlp_json_to_pb_object(parse_json_exact(buf.toString('utf8')));
	const msg = T.fromObject(obj);
	const err = T.verify(msg);
	if (err)
		throw new Error(`JSON body does not verify as ${T.name}: ${err}`);
	// encode + decode: both sides then went through the same wire form.
	const wire = Buffer.from(T.encode(msg).finish());
	return { canon: canon_from_pb(signal, wire), wire };
}

// --- canonical JSON ----------------------------------------------------------------------

function sort_keys(v) {
	if (Array.isArray(v))
		return v.map(sort_keys);
	if (v === null || typeof v !== 'object')
		return v;
	const o = {};
	for (const k of Object.keys(v).sort())
		o[k] = sort_keys(v[k]);
	return o;
}

const cjson = v => JSON.stringify(sort_keys(v));

// Flattens a canonical request into [{key, summary}] of items, and [key] of whole entries.
function flatten(signal, req) {
	const S = SIGNALS[signal];
	const items = [];
	const entries = [];
	for (const r of req[S.resources] ?? []) {
		entries.push(cjson(r));
		const rhead = { resource: r.resource ?? {}, schemaUrl: r.schemaUrl ?? '' };
		for (const s of r[S.scopes] ?? []) {
			const shead = { scope: s.scope ?? {}, schemaUrl: s.schemaUrl ?? '' };
			for (const it of s[S.items] ?? []) {
				if (signal !== 'metrics') {
					items.push({ resource: rhead, scope: shead, item: it });
					continue;
				}
				// A metric item is one data point, carried with its metric's other fields.
				const kind = METRIC_KINDS.find(k => it[k] !== undefined);
				if (kind === undefined) {
					// Not an item of the data model, but content all the same.
					items.push({ resource: rhead, scope: shead, item: it, no_data: true });
					continue;
				}
				const { dataPoints, ...agg } = it[kind];
				for (const dp of dataPoints ?? []) {
					items.push({ resource: rhead, scope: shead,
						item: { ...it, [kind]: { ...agg, dataPoints: [dp] } } });
				}
			}
		}
	}
	return { items: items.map(x => ({ key: cjson(x), value: x })), entries,
		count: items.filter(x => !x.no_data).length };
}

function count_items(signal, req) {
	const S = SIGNALS[signal];
	let n = 0;
	for (const r of req[S.resources] ?? []) {
		for (const s of r[S.scopes] ?? []) {
			for (const it of s[S.items] ?? []) {
				if (signal !== 'metrics') {
					n++;
					continue;
				}
				const kind = METRIC_KINDS.find(k => it[k] !== undefined);
				n += kind === undefined ? 0 : (it[kind].dataPoints ?? []).length;
			}
		}
	}
	return n;
}

// --- captures --------------------------------------------------------------------------

const GRPC_PATHS = {
	'/opentelemetry.proto.collector.trace.v1.TraceService/Export': 'traces',
	'/opentelemetry.proto.collector.metrics.v1.MetricsService/Export': 'metrics',
	'/opentelemetry.proto.collector.logs.v1.LogsService/Export': 'logs',
};

function signal_of_path(p) {
	if (GRPC_PATHS[p])
		return GRPC_PATHS[p];
	const m = /^\/v1\/(traces|metrics|logs)\/?(\?.*)?$/.exec(p ?? '');
	return m ? m[1] : null;
}

// Answered with success: HTTP 200, and for a gRPC call also grpc-status 0 (a gRPC error
// comes with :status 200 too).
function accepted(m) {
	return m.status === 200 && (m.grpc_status === undefined || m.grpc_status === 0);
}

function write_capture(dir, meta, body) {
	const base = path.join(dir, String(meta.seq).padStart(6, '0'));
	fs.writeFileSync(base + '.body', body);
	fs.writeFileSync(base + '.json.tmp', JSON.stringify(meta) + '\n');
	fs.renameSync(base + '.json.tmp', base + '.json');
}

function next_seq(dir) {
	// Several writers (the proxy, `record`) share a directory: take a sequence number with
	// an exclusive create so two never collide.
	for (let seq = fs.readdirSync(dir).filter(f => f.endsWith('.lock')).length; ; seq++) {
		try {
			fs.writeFileSync(path.join(dir, String(seq).padStart(6, '0') + '.lock'), '',
				{ flag: 'wx' });
			return seq;
		} catch (e) {
			if (e.code !== 'EEXIST')
				throw e;
		}
	}
}

function load_captures(dir) {
	const out = [];
	for (const f of fs.readdirSync(dir).sort()) {
		if (!f.endsWith('.json') || f.endsWith('.tmp'))
			continue;
		const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
		meta.file = path.join(dir, f.replace(/\.json$/, '.body'));
		out.push(meta);
	}
	return out;
}

function unzstd(buf) {
	return execFileSync('zstd', ['-d', '-q', '-c'], { input: buf, maxBuffer: 1 << 30 });
}

function decode_body(meta) {
	let body = fs.readFileSync(meta.expect ?? meta.file);
	const enc = meta.expect ? '' : String(meta.content_encoding ?? '').trim().toLowerCase();
	if (enc === 'gzip' || enc === 'x-gzip')
		body = zlib.gunzipSync(body);
	else if (enc === 'deflate')
		body = zlib.inflateSync(body);
	else if (enc === 'zstd')
		body = unzstd(body);
	else if (enc !== '' && enc !== 'identity')
		throw new Error(`${meta.file}: unknown Content-Encoding '${enc}'`);
	const ct = String(meta.content_type ?? '').split(';')[0].trim().toLowerCase();
	const is_json = meta.expect ? /\.json$/.test(meta.expect) : ct === 'application/json';
	if (is_json) {
		const { canon } = canon_from_json(meta.signal, body);
		return { canon, raw: null };
	}
	return { canon: canon_from_pb(meta.signal, body), raw: body };
}

// --- proxy -----------------------------------------------------------------------------

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer',
	'upgrade', 'host']);

function cmd_proxy(a) {
	const [host, port] = (a.listen ?? '').split(/:(?=\d+$)/);
	if (!host || !port || !a.target || !a.dir)
		die('proxy needs --listen HOST:PORT --target URL --dir DIR');
	const target = new URL(a.target);
	fs.mkdirSync(a.dir, { recursive: true });
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', c => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const seq = next_seq(a.dir);
			const meta = {
				seq, source: 'proxy', method: req.method, path: req.url,
				signal: signal_of_path(req.url),
				content_type: req.headers['content-type'] ?? null,
				content_encoding: req.headers['content-encoding'] ?? null,
				transfer_encoding: req.headers['transfer-encoding'] ?? null,
				user_agent: req.headers['user-agent'] ?? null,
				bytes: body.length, status: null, response_bytes: null,
			};
			const headers = {};
			for (const [k, v] of Object.entries(req.headers)) {
				if (!HOP_BY_HOP.has(k))
					headers[k] = v;
			}
			headers.host = target.host;
			const up = http.request({ host: target.hostname, port: target.port || 80,
				method: req.method, path: req.url, headers, agent }, ures => {
				const rchunks = [];
				ures.on('data', c => rchunks.push(c));
				ures.on('end', () => {
					const rbody = Buffer.concat(rchunks);
					meta.status = ures.statusCode;
					meta.response_bytes = rbody.length;
					meta.retry_after = ures.headers['retry-after'] ?? null;
					write_capture(a.dir, meta, body);
					const rh = {};
					for (const [k, v] of Object.entries(ures.headers)) {
						if (!HOP_BY_HOP.has(k) && k !== 'transfer-encoding' &&
							k !== 'content-length')
							rh[k] = v;
					}
					rh['content-length'] = rbody.length;
					res.writeHead(ures.statusCode, rh);
					res.end(rbody);
				});
			});
			up.on('error', e => {
				meta.status = 'error';
				meta.error = String(e.message ?? e);
				write_capture(a.dir, meta, body);
				res.writeHead(502, { 'content-type': 'text/plain' });
				res.end(`roundtrip proxy: ${meta.error}\n`);
			});
			// A chunked request goes on chunked (one chunk), a sized one with its size.
			up.end(body);
		});
	});
	server.keepAliveTimeout = 30000;
	server.listen(Number(port), host, () => {
		process.stdout.write(`listening ${host}:${port} -> ${target.origin}, captures in ${a.dir}\n`);
	});
	const ttl = Number(a['ttl-s'] ?? 900);
	setTimeout(() => process.exit(0), ttl * 1000).unref();
	for (const s of ['SIGTERM', 'SIGINT'])
		process.on(s, () => process.exit(0));
}

// --- grpc-proxy ----------------------------------------------------------------------------

// Request headers that are the connection's or HTTP/2's own, not the call's: the pseudo
// headers are set anew for the upstream request; the rest may not appear in HTTP/2.
const H2_SKIP = new Set([':method', ':path', ':scheme', ':authority', 'connection',
	'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function h2_copy(headers, skip) {
	const out = {};
	for (const k of Object.keys(headers)) {
		if (!skip.has(k))
			out[k] = headers[k];
	}
	return out;
}

// gRPC length-prefixed messages: [{compressed, body}], or throws on a framing error.
function grpc_messages(buf) {
	const out = [];
	let p = 0;
	while (p < buf.length) {
		if (buf.length - p < 5)
			throw new Error(`${buf.length - p} stray bytes after message ${out.length}`);
		const flag = buf[p], n = buf.readUInt32BE(p + 1);
		if (flag > 1)
			throw new Error(`message ${out.length}: compressed flag ${flag}`);
		if (p + 5 + n > buf.length)
			throw new Error(`message ${out.length} claims ${n} bytes, ${buf.length - p - 5} left`);
		out.push({ compressed: flag === 1, body: buf.subarray(p + 5, p + 5 + n) });
		p += 5 + n;
	}
	return out;
}

function cmd_grpc_proxy(a) {
	const [host, port] = (a.listen ?? '').split(/:(?=\d+$)/);
	if (!host || !port || !a.target || !a.dir)
		die('grpc-proxy needs --listen HOST:PORT --target HOST:PORT --dir DIR');
	const authority = a.target.replace(/^http:\/\//, '').replace(/\/+$/, '');
	fs.mkdirSync(a.dir, { recursive: true });

	// One upstream connection for every call, opened again if the appliance closed it
	// (GOAWAY, idle timeout): calls multiplex on it as they would from one channel.
	let upstream = null;
	const session = () => {
		if (upstream && !upstream.closed && !upstream.destroyed)
			return upstream;
		upstream = http2.connect(`http://${authority}`);
		upstream.on('error', e => process.stderr.write(`upstream: ${e.message}\n`));
		return upstream;
	};

	const server = http2.createServer();
	server.on('sessionError', e => process.stderr.write(`downstream: ${e.message}\n`));
	server.on('stream', (stream, headers) => {
		const chunks = [];
		stream.on('data', c => chunks.push(c));
		stream.on('error', e => process.stderr.write(`downstream stream: ${e.message}\n`));
		stream.on('end', () => {
			const body = Buffer.concat(chunks);
			const p = headers[':path'];
			const base = {
				source: 'grpc-proxy', method: headers[':method'], path: p,
				signal: signal_of_path(p),
				content_type: headers['content-type'] ?? null,
				grpc_encoding: headers['grpc-encoding'] ?? null,
				user_agent: headers['user-agent'] ?? null,
				status: null, grpc_status: null, grpc_message: null,
			};
			let msgs, framing = null;
			try {
				msgs = grpc_messages(body);
			} catch (e) {
				msgs = [{ compressed: false, body }];
				framing = e.message;
			}
			const record = () => {
				for (const [i, m] of msgs.entries()) {
					write_capture(a.dir, {
						...base, seq: next_seq(a.dir), message: i, messages: msgs.length,
						content_encoding: m.compressed ? base.grpc_encoding : null,
						bytes: m.body.length,
						...(framing ? { framing_error: framing } : {}),
					}, m.body);
				}
			};
			let up;
			try {
				up = session().request({ ...h2_copy(headers, H2_SKIP), ':method': headers[':method'],
					':path': p, ':scheme': 'http', ':authority': authority });
			} catch (e) {
				base.status = 'error';
				base.error = String(e.message ?? e);
				record();
				stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
				return;
			}
			let rhead = null, rtrail = null;
			const rchunks = [];
			up.on('response', h => { rhead = h; });
			up.on('data', c => rchunks.push(c));
			up.on('trailers', t => { rtrail = t; });
			up.on('error', e => { base.error = String(e.message ?? e); });
			// 'close' comes after the end of the response, or after a reset either way.
			up.on('close', () => {
				if (!rhead) {
					base.status = 'error';
					base.rst_code = up.rstCode;
					record();
					if (!stream.destroyed)
						stream.close(up.rstCode || http2.constants.NGHTTP2_INTERNAL_ERROR);
					return;
				}
				const st = (rtrail ?? rhead)['grpc-status'];
				base.status = Number(rhead[':status']);
				base.grpc_status = st === undefined ? 'missing' : Number(st);
				base.grpc_message = (rtrail ?? rhead)['grpc-message'] ?? null;
				record();
				if (stream.destroyed || stream.closed)
					return;
				const rbody = Buffer.concat(rchunks);
				const rh = h2_copy(rhead, new Set([':status']));
				rh[':status'] = rhead[':status'];
				if (!rtrail && rbody.length === 0) {
					// Trailers-only: one HEADERS frame with END_STREAM, as the appliance sent.
					stream.respond(rh, { endStream: true });
					return;
				}
				stream.respond(rh, { waitForTrailers: true });
				stream.on('wantTrailers', () => stream.sendTrailers(rtrail ?? {}));
				stream.end(rbody);
			});
			up.end(body);
		});
	});
	server.listen(Number(port), host, () => {
		process.stdout.write(`listening ${host}:${port} (h2c) -> ${authority}, captures in ${a.dir}\n`);
	});
	const ttl = Number(a['ttl-s'] ?? 900);
	setTimeout(() => process.exit(0), ttl * 1000).unref();
	for (const s of ['SIGTERM', 'SIGINT'])
		process.on(s, () => process.exit(0));
}

function cmd_record(a) {
	if (!a.dir || !a.path || !a.status || !a.body?.length)
		die('record needs --dir --path --status --body');
	fs.mkdirSync(a.dir, { recursive: true });
	// Several --body: one capture each, alike but for the body (a client's many requests
	// in one node start).
	for (const f of a.body) {
		const body = fs.readFileSync(f);
		const seq = next_seq(a.dir);
		write_capture(a.dir, {
			seq, source: a.source ?? 'curl', label: a.label ?? null, method: 'POST',
			path: a.path, signal: signal_of_path(a.path),
			content_type: a['content-type'] ?? null,
			content_encoding: a['content-encoding'] ?? null, bytes: body.length,
			status: /^\d+$/.test(a.status) ? Number(a.status) : a.status,
			...(a.expect ? { expect: path.resolve(a.expect) } : {}),
		}, body);
	}
}

// --- counts ------------------------------------------------------------------------------

function cmd_counts(a) {
	if (!a.captures)
		die('counts needs --captures DIR');
	const out = {};
	for (const sig of Object.keys(SIGNALS))
		out[sig] = { requests: 0, resources: 0, items: 0, items_by_source: {},
			requests_by_source: {}, requests_by_encoding: {} };
	out.not_200 = [];
	for (const m of load_captures(a.captures)) {
		if (!accepted(m)) {
			out.not_200.push({ seq: m.seq, path: m.path, status: m.status, source: m.source,
				...(m.grpc_status !== undefined ? { grpc_status: m.grpc_status } : {}) });
			continue;
		}
		if (!m.signal)
			continue;
		const { canon } = decode_body(m);
		const c = out[m.signal];
		c.requests++;
		c.resources += (canon[SIGNALS[m.signal].resources] ?? []).length;
		const n = count_items(m.signal, canon);
		c.items += n;
		c.items_by_source[m.source] = (c.items_by_source[m.source] ?? 0) + n;
		c.requests_by_source[m.source] = (c.requests_by_source[m.source] ?? 0) + 1;
		const enc = String(m.content_encoding ?? '').trim().toLowerCase() || 'identity';
		c.requests_by_encoding[enc] = (c.requests_by_encoding[enc] ?? 0) + 1;
	}
	process.stdout.write(JSON.stringify(out) + '\n');
}

// --- store-dump: an independent segment reader ------------------------------------------

function seg_files(dir) {
	const out = [];
	const walk = d => {
		for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((x, y) =>
			x.name < y.name ? -1 : 1)) {
			const p = path.join(d, e.name);
			if (e.isDirectory())
				walk(p);
			else if (/^\d{20}\.seg$/.test(e.name))
				out.push(p);
		}
	};
	walk(dir);
	return out;
}

function cmd_store_dump(a) {
	if (!a.store || !SIGNALS[a.signal] || !a.out)
		die('store-dump needs --store DIR --signal S --out FILE');
	const code = SIGNALS[a.signal].code;
	const frames = [];
	const raws = [];
	let records = 0, items = 0;
	for (const f of seg_files(a.store)) {
		const buf = fs.readFileSync(f);
		if (buf.length < 64 || buf.subarray(0, 8).toString('hex') !== '89534c5345470d0a')
			die(`${f}: not a version-1 segment file`);
		let off = 64;
		while (off < buf.length) {
			if (buf.length - off < 64 || buf.toString('latin1', off, off + 4) !== 'SLrc')
				die(`${f}: bad record at offset ${off}`);
			const sig = buf[off + 8];
			const n = buf.readUInt32LE(off + 16);
			const raw = buf.readUInt32LE(off + 24);
			const comp = buf.readUInt32LE(off + 28);
			const end = off + 64 + comp + ((8 - comp % 8) % 8);
			if (end > buf.length)
				die(`${f}: truncated record at offset ${off}`);
			if (sig === code) {
				frames.push(buf.subarray(off + 64, off + 64 + comp));
				raws.push(raw);
				records++;
				items += n;
			}
			off = end;
		}
	}
	// One zstd run for all frames: the output is the concatenation, cut by raw lengths.
	const all = frames.length ? unzstd(Buffer.concat(frames)) : Buffer.alloc(0);
	const want = raws.reduce((x, y) => x + y, 0);
	if (all.length !== want)
		die(`decompressed ${all.length} bytes, headers say ${want}`);
	const parts = [];
	let p = 0;
	for (const r of raws) {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(r);
		parts.push(len, all.subarray(p, p + r));
		p += r;
	}
	fs.writeFileSync(a.out, Buffer.concat(parts));
	process.stdout.write(JSON.stringify({ signal: a.signal, records, items }) + '\n');
}

// --- compare -----------------------------------------------------------------------------

function read_dump(file) {
	const buf = fs.readFileSync(file);
	const recs = [];
	let p = 0;
	while (p < buf.length) {
		if (buf.length - p < 4)
			throw new Error(`${file}: ${buf.length - p} stray bytes at the end`);
		const n = buf.readUInt32BE(p);
		if (p + 4 + n > buf.length)
			throw new Error(`${file}: record at ${p} claims ${n} bytes, ${buf.length - p - 4} left`);
		recs.push(buf.subarray(p + 4, p + 4 + n));
		p += 4 + n;
	}
	return recs;
}

class Multiset {
	constructor() { this.m = new Map(); this.n = 0; }
	add(key, value) {
		const e = this.m.get(key);
		if (e)
			e.count++;
		else
			this.m.set(key, { count: 1, value });
		this.n++;
	}
	// [{key, value, count}] of what this holds more often than `other`.
	minus(other) {
		const out = [];
		for (const [key, e] of this.m) {
			const c = e.count - (other.m.get(key)?.count ?? 0);
			if (c > 0)
				out.push({ key, value: e.value, count: c });
		}
		return out;
	}
}

// Leaf-level differences between two values: ["path: a -> b"].
function deep_diff(a, b, p = '', out = [], limit = 12) {
	if (out.length >= limit)
		return out;
	if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
		const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
		for (const k of [...keys].sort()) {
			const q = Array.isArray(a) ? `${p}[${k}]` : (p ? `${p}.${k}` : k);
			if (!(k in a))
				out.push(`${q}: (absent) -> ${short(b[k])}`);
			else if (!(k in b))
				out.push(`${q}: ${short(a[k])} -> (absent)`);
			else
				deep_diff(a[k], b[k], q, out, limit);
			if (out.length >= limit)
				break;
		}
	} else if (JSON.stringify(a) !== JSON.stringify(b)) {
		out.push(`${p}: ${short(a)} -> ${short(b)}`);
	}
	return out;
}

function short(v, n = 120) {
	const s = JSON.stringify(v);
	return s === undefined ? 'undefined' : s.length > n ? s.slice(0, n) + '...' : s;
}

function leaves(v) {
	if (v === null || typeof v !== 'object')
		return 1;
	let n = 0;
	for (const x of Object.values(v))
		n += leaves(x);
	return n;
}

function svc(x) {
	for (const kv of x.resource?.resource?.attributes ?? []) {
		if (kv.key === 'service.name')
			return kv.value?.stringValue ?? '?';
	}
	return '(no service.name)';
}

function describe(signal, x) {
	const it = x.item;
	let what;
	if (signal === 'traces')
		what = `span '${it.name ?? ''}' spanId=${Buffer.from(it.spanId ?? '', 'base64').toString('hex')}`;
	else if (signal === 'logs')
		what = `log t=${it.timeUnixNano ?? '-'} sev=${it.severityNumber ?? 0} body=${short(it.body, 50)}`;
	else
		what = `metric '${it.name ?? ''}' point ${short(Object.values(it).find(v =>
			v?.dataPoints)?.dataPoints?.[0]?.attributes ?? [], 70)}`;
	return `${svc(x)} / ${x.scope.scope.name ?? ''} / ${what}`;
}

function print_diff(signal, missing, extra, max) {
	const lines = [];
	const pool = extra.slice(0, 500);
	for (const m of missing.slice(0, max)) {
		lines.push(`- sent but not stored (x${m.count}): ${describe(signal, m.value)}`);
		// The stored item that differs least: most likely the mangled copy.
		let best = null, best_n = Infinity;
		for (const e of pool) {
			const d = deep_diff(m.value, e.value, '', [], 1000).length;
			if (d < best_n) {
				best_n = d;
				best = e;
			}
		}
		if (best && best_n <= Math.max(3, leaves(m.value.item) / 3)) {
			lines.push(`    closest stored item differs in ${best_n} field(s) (sent -> stored):`);
			for (const d of deep_diff(m.value, best.value))
				lines.push(`      ${d}`);
		}
	}
	if (missing.length > max)
		lines.push(`  ... and ${missing.length - max} more item(s) sent but not stored`);
	for (const e of extra.slice(0, max))
		lines.push(`+ stored but never sent (x${e.count}): ${describe(signal, e.value)}`);
	if (extra.length > max)
		lines.push(`  ... and ${extra.length - max} more item(s) stored but never sent`);
	return lines;
}

function cmd_compare(a) {
	const signal = a.signal;
	if (!a.captures || !SIGNALS[signal] || !a.dump?.length)
		die('compare needs --captures DIR --signal traces|metrics|logs --dump FILE');
	const max = Number(a['max-diffs'] ?? 5);
	const sent = new Multiset(), stored = new Multiset();
	const sent_entries = new Multiset(), stored_entries = new Multiset();
	const sent_raw = new Multiset(), stored_raw = new Multiset();
	const sum = { signal, captures: 0, captures_skipped: 0, sent_items: 0, sent_resources: 0,
		records: 0, stored_items: 0, stored_resources: 0, records_with_other_fields: 0,
		records_not_strict: 0 };
	const errors = [];

	for (const m of load_captures(a.captures)) {
		if (m.signal !== signal)
			continue;
		if (!accepted(m)) {
			sum.captures_skipped++;
			continue;
		}
		let d;
		try {
			d = decode_body(m);
		} catch (e) {
			errors.push(`capture ${m.seq} (${m.source} ${m.content_type} ` +
				`${m.content_encoding ?? 'identity'}): ${e.message}`);
			continue;
		}
		sum.captures++;
		const f = flatten(signal, d.canon);
		for (const x of f.items)
			sent.add(x.key, x.value);
		for (const k of f.entries)
			sent_entries.add(k, k);
		sum.sent_resources += f.entries.length;
		sum.sent_items += f.count;
		if (d.raw) {
			for (const e of split_entries(d.raw).entries) {
				const h = createHash('sha256').update(e).digest('hex');
				sent_raw.add(h, { seq: m.seq, bytes: e.length });
			}
		}
	}
	for (const file of a.dump) {
		let recs;
		try {
			recs = read_dump(file);
		} catch (e) {
			errors.push(e.message);
			continue;
		}
		for (const r of recs) {
			sum.records++;
			let canon, split;
			try {
				canon = canon_from_pb(signal, r);
				split = split_entries(r);
			} catch (e) {
				errors.push(`record ${sum.records - 1} of ${file} (${r.length} bytes) ` +
					`does not decode as ${signal}: ${e.message}`);
				continue;
			}
			if (split.other)
				sum.records_with_other_fields++;
			const bad = strict_check(signal, r);
			if (bad.length) {
				sum.records_not_strict++;
				errors.push(`record ${sum.records - 1} of ${file}: ${bad.slice(0, 3).join('; ')}`);
			}
			const f = flatten(signal, canon);
			for (const x of f.items)
				stored.add(x.key, x.value);
			for (const k of f.entries)
				stored_entries.add(k, k);
			sum.stored_resources += f.entries.length;
			sum.stored_items += f.count;
			for (const e of split.entries)
				stored_raw.add(createHash('sha256').update(e).digest('hex'), e.length);
		}
	}

	const missing = sent.minus(stored), extra = stored.minus(sent);
	const ent_missing = sent_entries.minus(stored_entries);
	const ent_extra = stored_entries.minus(sent_entries);
	const raw_missing = sent_raw.minus(stored_raw);
	sum.items_missing = missing.reduce((n, x) => n + x.count, 0);
	sum.items_extra = extra.reduce((n, x) => n + x.count, 0);
	sum.resources_missing = ent_missing.reduce((n, x) => n + x.count, 0);
	sum.resources_extra = ent_extra.reduce((n, x) => n + x.count, 0);
	sum.raw_entries_checked = sent_raw.n;
	sum.raw_entries_not_verbatim = raw_missing.reduce((n, x) => n + x.count, 0);
	sum.errors = errors.length;

	const lines = [];
	for (const e of errors.slice(0, max))
		lines.push(`! ${e}`);
	if (missing.length || extra.length)
		lines.push(...print_diff(signal, missing, extra, max));
	else if (ent_missing.length || ent_extra.length)
		lines.push(`Resource entries differ though items match: ${sum.resources_missing} sent ` +
			`entries not stored whole, ${sum.resources_extra} stored entries never sent ` +
			`(an entry split, merged or emptied?)`,
		...ent_missing.slice(0, 2).map(x => `- ${short(JSON.parse(x.key), 300)}`),
		...ent_extra.slice(0, 2).map(x => `+ ${short(JSON.parse(x.key), 300)}`));
	if (raw_missing.length) {
		lines.push(`${sum.raw_entries_not_verbatim} protobuf Resource entr(y/ies) not stored ` +
			'byte for byte, e.g.:', ...raw_missing.slice(0, max).map(x =>
			`  capture ${x.value.seq}: ${x.value.bytes}-byte entry sha256 ${x.key.slice(0, 16)}`));
	}
	if (sum.records_with_other_fields)
		lines.push(`${sum.records_with_other_fields} record(s) hold fields other than 1 at top level`);
	for (const l of lines)
		process.stdout.write(`# ${l}\n`);
	sum.ok = errors.length === 0 && missing.length === 0 && extra.length === 0 &&
		ent_missing.length === 0 && ent_extra.length === 0 && raw_missing.length === 0 &&
		sum.records_with_other_fields === 0 && sum.captures > 0;
	process.stdout.write(JSON.stringify(sum) + '\n');
	process.exitCode = sum.ok ? 0 : 1;
}

// --- main ----------------------------------------------------------------------------

const OPTIONS = {
	listen: { type: 'string' }, target: { type: 'string' }, dir: { type: 'string' },
	'ttl-s': { type: 'string' }, path: { type: 'string' }, 'content-type': { type: 'string' },
	'content-encoding': { type: 'string' }, status: { type: 'string' },
	body: { type: 'string', multiple: true }, expect: { type: 'string' },
	label: { type: 'string' }, source: { type: 'string' },
	captures: { type: 'string' }, signal: { type: 'string' },
	dump: { type: 'string', multiple: true }, store: { type: 'string' },
	out: { type: 'string' }, 'max-diffs': { type: 'string' },
};

const COMMANDS = { proxy: cmd_proxy, 'grpc-proxy': cmd_grpc_proxy, record: cmd_record,
	counts: cmd_counts, 'store-dump': cmd_store_dump, compare: cmd_compare };

const [cmd, ...rest] = process.argv.slice(2);
if (!COMMANDS[cmd]) {
	const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
	const end = text.findIndex(l => l.startsWith('import'));
	process.stdout.write(text.slice(2, end).map(l => l.replace(/^\/\/ ?/, '')).join('\n'));
	process.exit(cmd === 'help' || cmd === '--help' ? 0 : 2);
}
let args;
try {
	args = parseArgs({ args: rest, options: OPTIONS, strict: true }).values;
} catch (e) {
	die(e.message);
}
try {
	COMMANDS[cmd](args);
} catch (e) {
	die(e.stack ?? String(e));
}
