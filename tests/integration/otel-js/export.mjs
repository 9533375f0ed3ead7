#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Test client: builds traces, metrics or logs with the official OpenTelemetry JS SDK and
// sends them through the official OTLP exporters, then prints one JSON summary line.
//
// Usage:
//   node export.mjs --endpoint http://HOST:4318 --signal traces|metrics|logs
//                   --encoding proto|json|grpc [--gzip] [--count N] [--batch M]
//                   [--service NAME] [--timeout-ms T] [--resources R] [--concurrency C]
//                   [--pad BYTES] [--resource-attr k=v]... [--header k=v]...
//                   [--temporality cumulative|delta] [--debug]
//
// What --count and --batch mean per signal (see README.md):
//   traces  N spans, at most M spans per export()            (default N=10, M=N)
//   logs    N log records, at most M records per export()    (default N=10, M=N)
//   metrics N attribute sets per instrument, M collect+export rounds (default N=3, M=1);
//           every round exports one request per resource (MeterProvider).
//
// "items" counts what the OTLP data model counts: spans, log records, and metric data
// points (one per attribute set per metric per export, read back from the collected
// ResourceMetrics, so a cumulative series re-exported in a later round counts again).
//
// Exit status: 0 only if every export() reported ExportResultCode.SUCCESS; 1 if any
// failed; 2 on a usage error. The exporters' own retry policy is left as shipped
// (429/502/503/504 and connection errors are retried, honouring Retry-After, within
// --timeout-ms per export).

import { inspect, parseArgs } from 'node:util';
import { diag, DiagLogLevel, trace, ROOT_CONTEXT,
	SpanKind, SpanStatusCode, TraceFlags, ValueType } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, AggregationType } from '@opentelemetry/sdk-metrics';
import { LoggerProvider } from '@opentelemetry/sdk-logs';

const USAGE = `usage: node export.mjs --endpoint URL --signal traces|metrics|logs
       --encoding proto|json|grpc [--gzip] [--count N] [--batch M] [--service NAME]
       [--timeout-ms T] [--resources R] [--concurrency C] [--pad BYTES]
       [--resource-attr k=v]... [--header k=v]... [--temporality cumulative|delta] [--debug]`;

// Cap on error entries in the summary: a run against a broken server could otherwise
// print one entry per export and blow past what a test log should hold.
const MAX_ERRORS = 20;

function usage(msg) {
	process.stderr.write(`export.mjs: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

function int_opt(v, name, min, dflt) {
	if (v === undefined)
		return dflt;
	if (!/^\d+$/.test(v) || Number(v) < min)
		usage(`--${name} must be an integer >= ${min}, got '${v}'`);
	return Number(v);
}

function kv_list(list, name) {
	const out = {};
	for (const s of list ?? []) {
		const i = s.indexOf('=');
		if (i <= 0)
			usage(`--${name} wants k=v, got '${s}'`);
		out[s.slice(0, i)] = s.slice(i + 1);
	}
	return out;
}

let args;
try {
	args = parseArgs({
		options: {
			endpoint: { type: 'string' },
			signal: { type: 'string' },
			encoding: { type: 'string', default: 'proto' },
			gzip: { type: 'boolean', default: false },
			count: { type: 'string' },
			batch: { type: 'string' },
			service: { type: 'string', default: 'sluice-otel-js' },
			'timeout-ms': { type: 'string' },
			resources: { type: 'string' },
			concurrency: { type: 'string' },
			pad: { type: 'string' },
			'resource-attr': { type: 'string', multiple: true },
			header: { type: 'string', multiple: true },
			temporality: { type: 'string', default: 'cumulative' },
			debug: { type: 'boolean', default: false },
			help: { type: 'boolean', short: 'h', default: false },
		},
		strict: true,
	}).values;
} catch (e) {
	usage(e.message);
}
if (args.help) {
	process.stdout.write(USAGE + '\n');
	process.exit(0);
}
if (!args.endpoint)
	usage('--endpoint is required');
if (!['traces', 'metrics', 'logs'].includes(args.signal))
	usage('--signal must be traces, metrics or logs');
if (!['proto', 'json', 'grpc'].includes(args.encoding))
	usage('--encoding must be proto, json or grpc');
if (!['cumulative', 'delta'].includes(args.temporality))
	usage('--temporality must be cumulative or delta');

const opt = {
	endpoint: args.endpoint.replace(/\/+$/, ''),
	signal: args.signal,
	encoding: args.encoding,
	gzip: args.gzip,
	count: int_opt(args.count, 'count', 1, args.signal === 'metrics' ? 3 : 10),
	batch: null,
	service: args.service,
	timeout: int_opt(args['timeout-ms'], 'timeout-ms', 1, 10000),
	resources: int_opt(args.resources, 'resources', 1, 2),
	concurrency: int_opt(args.concurrency, 'concurrency', 1, 1),
	pad: int_opt(args.pad, 'pad', 0, 0),
	resource_attrs: kv_list(args['resource-attr'], 'resource-attr'),
	headers: kv_list(args.header, 'header'),
	temporality: args.temporality,
};
opt.batch = int_opt(args.batch, 'batch', 1, opt.signal === 'metrics' ? 1 : opt.count);

// Partial success is not visible in the ExportResult (it is SUCCESS: the spec forbids a
// retry); the exporters only report it through diag.warn. Catch it there so the summary
// can say how many items the server rejected.
const partial = { responses: 0, rejected: 0, messages: [] };
const PARTIAL_PREFIX = 'Received Partial Success response:';

function note_partial(args) {
	if (args[0] !== PARTIAL_PREFIX)
		return;
	partial.responses++;
	try {
		const ps = JSON.parse(args[1]);
		for (const k of ['rejectedSpans', 'rejectedDataPoints', 'rejectedLogRecords'])
			partial.rejected += Number(ps[k] ?? 0);
		if (ps.errorMessage && partial.messages.length < MAX_ERRORS)
			partial.messages.push(String(ps.errorMessage));
	} catch {
		// keep the count even if the text was not JSON
	}
}

// All diagnostics go to stderr: stdout carries only the summary line.
function diag_to_stderr(level) {
	return (...a) => {
		note_partial(a);
		process.stderr.write(`[otel ${level}] ${a.map(x =>
			typeof x === 'string' ? x : inspect(x, { depth: 1, breakLength: Infinity })
		).join(' ')}\n`);
	};
}
diag.setLogger({
	error: diag_to_stderr('error'),
	warn: diag_to_stderr('warn'),
	info: diag_to_stderr('info'),
	debug: diag_to_stderr('debug'),
	verbose: diag_to_stderr('verbose'),
}, { logLevel: args.debug ? DiagLogLevel.VERBOSE : DiagLogLevel.WARN,
	suppressOverrideMessage: true });

// --- exporters -----------------------------------------------------------------------

const PACKAGES = {
	traces: { proto: '@opentelemetry/exporter-trace-otlp-proto',
		json: '@opentelemetry/exporter-trace-otlp-http',
		grpc: '@opentelemetry/exporter-trace-otlp-grpc', cls: 'OTLPTraceExporter' },
	metrics: { proto: '@opentelemetry/exporter-metrics-otlp-proto',
		json: '@opentelemetry/exporter-metrics-otlp-http',
		grpc: '@opentelemetry/exporter-metrics-otlp-grpc', cls: 'OTLPMetricExporter' },
	logs: { proto: '@opentelemetry/exporter-logs-otlp-proto',
		json: '@opentelemetry/exporter-logs-otlp-http',
		grpc: '@opentelemetry/exporter-logs-otlp-grpc', cls: 'OTLPLogExporter' },
};

async function make_exporter() {
	const p = PACKAGES[opt.signal];
	// Loaded on demand so an HTTP run never pulls in @grpc/grpc-js.
	const mod = await import(p[opt.encoding]);
	const cfg = {
		compression: opt.gzip ? 'gzip' : 'none',
		timeoutMillis: opt.timeout,
		// Each export() is awaited by us; the default limit only matters with --concurrency.
		concurrencyLimit: Math.max(30, opt.concurrency),
	};
	if (opt.encoding === 'grpc') {
		// The gRPC exporter takes the bare authority; a path would be ignored.
		cfg.url = opt.endpoint;
		if (Object.keys(opt.headers).length) {
			const { Metadata } = await import('@grpc/grpc-js');
			const md = new Metadata();
			for (const [k, v] of Object.entries(opt.headers))
				md.set(k, v);
			cfg.metadata = md;
		}
	} else {
		// An explicit url is used as given, so the signal path is ours to add.
		cfg.url = `${opt.endpoint}/v1/${opt.signal}`;
		cfg.headers = opt.headers;
	}
	if (opt.signal === 'metrics')
		cfg.temporalityPreference = opt.temporality === 'delta' ? 0 : 1;
	return new mod[p.cls](cfg);
}

// --- resources -------------------------------------------------------------------------

function service_name(k) {
	return k === 0 ? opt.service : `${opt.service}-${k}`;
}

function make_resource(k) {
	return resourceFromAttributes({
		'service.name': service_name(k),
		'service.namespace': 'sluice-test',
		'service.version': '1.2.3',
		'service.instance.id': `${process.pid}-${k}`,
		'host.name': 'otel-js-client',
		'deployment.environment.name': 'test',
		'sluice.test.resource_index': k,
		...opt.resource_attrs,
	});
}

// Attributes of every OTLP AnyValue type an SDK attribute can carry.
function rich_attrs(i) {
	const a = {
		'attr.string': `value-${i}`,
		'attr.string.utf8': 'grüße-ß-日本-🚀',
		'attr.string.empty': '',
		'attr.int': i,
		'attr.int.negative': -1 - i,
		'attr.int.large': 9007199254740991,
		'attr.double': i + 0.25,
		'attr.bool': i % 2 === 0,
		'attr.array.string': ['a', 'b', `c${i}`],
		'attr.array.int': [1, 2, i],
		'attr.array.double': [0.5, 1.5, i + 0.5],
		'attr.array.bool': [true, false],
	};
	if (opt.pad > 0)
		a['attr.pad'] = 'x'.repeat(opt.pad);
	return a;
}

function chunks(list, n) {
	const out = [];
	for (let i = 0; i < list.length; i += n)
		out.push(list.slice(i, i + n));
	return out;
}

// --- traces ----------------------------------------------------------------------------

// Collects ended spans so the test decides how they are cut into export() calls.
class CollectingSpanProcessor {
	constructor(sink) { this.sink = sink; }
	onStart() {}
	onEnd(span) { this.sink.push(span); }
	forceFlush() { return Promise.resolve(); }
	shutdown() { return Promise.resolve(); }
}

// Builds opt.count spans as trees of up to 4 (root, child, grandchild, second child),
// each tree on provider (tree % resources) and split over two instrumentation scopes.
function build_spans() {
	const spans = [];
	const providers = [];
	for (let k = 0; k < opt.resources; k++) {
		providers.push(new BasicTracerProvider({
			resource: make_resource(k),
			spanProcessors: [new CollectingSpanProcessor(spans)],
		}));
	}
	const base = Date.now() - 60000;
	let made = 0;
	let prev_root = null;
	for (let t = 0; made < opt.count; t++) {
		const p = providers[t % providers.length];
		const http = p.getTracer('sluice.test.http', '1.0.0',
			{ schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
		const db = p.getTracer('sluice.test.db', '2.0.0');
		const size = Math.min(4, opt.count - made);
		const t0 = base + t * 10;
		const links = prev_root ? [{ context: prev_root,
			attributes: { 'link.kind': 'previous-trace', 'link.index': t } }] : [];
		const root = http.startSpan(`GET /api/items/${t}`, {
			kind: SpanKind.SERVER,
			startTime: t0,
			attributes: { ...rich_attrs(made), 'http.request.method': 'GET',
				'http.response.status_code': 200 },
			links,
		});
		root.addEvent('request.received', { 'event.bytes': 512, 'event.ok': true }, t0 + 1);
		const rctx = trace.setSpan(ROOT_CONTEXT, root);
		const kids = [];
		if (size > 1) {
			const c1 = db.startSpan('SELECT items', {
				kind: SpanKind.CLIENT, startTime: t0 + 1,
				attributes: { ...rich_attrs(made + 1), 'db.system.name': 'postgresql' },
			}, rctx);
			c1.addEvent('rows', { 'rows.count': 3, 'rows.ratio': 0.75 }, t0 + 2);
			kids.push([c1, t0 + 4]);
			if (size > 2) {
				const g = db.startSpan('fetch page', {
					kind: SpanKind.INTERNAL, startTime: t0 + 2,
					attributes: rich_attrs(made + 2),
					links: [{ context: root.spanContext(), attributes: { 'link.kind': 'root' } }],
				}, trace.setSpan(ROOT_CONTEXT, c1));
				g.setStatus({ code: SpanStatusCode.ERROR, message: 'page fault' });
				g.recordException({ name: 'PageError', message: 'page not found',
					stack: 'PageError: page not found\n    at fetch (db.js:1:1)' }, t0 + 3);
				kids.unshift([g, t0 + 3]);
			}
			if (size > 3) {
				const c2 = http.startSpan('POST /upstream', {
					kind: SpanKind.PRODUCER, startTime: t0 + 5,
					attributes: rich_attrs(made + 3),
				}, rctx);
				c2.setStatus({ code: SpanStatusCode.OK });
				kids.push([c2, t0 + 6]);
			}
		}
		for (const [s, end] of kids)
			s.end(end);
		root.setStatus({ code: SpanStatusCode.OK });
		root.end(t0 + 8);
		prev_root = root.spanContext();
		made += size;
	}
	return spans.map(s => ({ item: s, service: s.resource.attributes['service.name'] }));
}

// --- logs ------------------------------------------------------------------------------

class CollectingLogProcessor {
	constructor(sink) { this.sink = sink; }
	onEmit(rec) { this.sink.push(rec); }
	forceFlush() { return Promise.resolve(); }
	shutdown() { return Promise.resolve(); }
}

const SEVERITIES = [
	[SeverityNumber.TRACE, 'TRACE'], [SeverityNumber.DEBUG, 'DEBUG'],
	[SeverityNumber.INFO, 'INFO'], [SeverityNumber.WARN, 'WARN'],
	[SeverityNumber.ERROR, 'ERROR'], [SeverityNumber.FATAL, 'FATAL'],
];

function log_body(i) {
	switch (i % 7) {
	case 0: return `user ${i} logged in from 192.0.2.${i % 250}`;
	case 1: return { msg: 'structured', seq: i, ratio: i / 7, ok: true,
		nested: { list: ['x', 1, 2.5, false], empty: {} } };
	case 2: return ['line-a', i, 3.25, true, { k: 'v' }];
	case 3: return i;
	case 4: return i + 0.5;
	case 5: return i % 2 === 0;
	default: return new Uint8Array([0, 1, 2, 0xfe, 0xff, i & 0xff]);
	}
}

function build_logs() {
	const recs = [];
	const providers = [];
	for (let k = 0; k < opt.resources; k++) {
		providers.push(new LoggerProvider({
			resource: make_resource(k),
			processors: [new CollectingLogProcessor(recs)],
		}));
	}
	const base = Date.now() - 60000;
	for (let i = 0; i < opt.count; i++) {
		const p = providers[i % providers.length];
		const logger = p.getLogger(i % 3 === 0 ? 'sluice.test.audit' : 'sluice.test.app', '1.0.0');
		const [sev, text] = SEVERITIES[i % SEVERITIES.length];
		const rec = {
			timestamp: base + i,
			observedTimestamp: base + i + 1,
			severityNumber: sev,
			severityText: text,
			body: log_body(i),
			attributes: { ...rich_attrs(i), 'log.seq': i },
		};
		if (i % 5 === 4)
			rec.eventName = 'sluice.test.event';
		if (i % 2 === 0) {
			// Half the records carry trace context, as logs emitted inside a span do.
			const hex = i.toString(16).padStart(8, '0');
			rec.context = trace.setSpanContext(ROOT_CONTEXT, {
				traceId: `5b8efff798038103d269b633${hex}`,
				spanId: `eee19b7e${hex}`,
				traceFlags: TraceFlags.SAMPLED,
			});
		}
		logger.emit(rec);
	}
	return recs.map(r => ({ item: r, service: r.resource.attributes['service.name'] }));
}

// --- metrics ---------------------------------------------------------------------------

// A pull reader: collect() is called by us, once per round.
class ManualReader extends MetricReader {
	onForceFlush() { return Promise.resolve(); }
	onShutdown() { return Promise.resolve(); }
}

function series_attrs(s) {
	return { 'route': `/api/r${s}`, 'method': s % 2 ? 'POST' : 'GET', 'ok': s % 3 !== 0,
		'code': 200 + s, ...(opt.pad > 0 ? { pad: 'x'.repeat(opt.pad) } : {}) };
}

// The reader asks the exporter for temporality and aggregation per instrument kind, as
// PeriodicExportingMetricReader does, so --temporality delta gives what an app would send
// (delta counters and histograms, cumulative up-down counters).
function build_meters(exporter) {
	const meters = [];
	const selectors = {
		aggregationTemporalitySelector: t => exporter.selectAggregationTemporality(t),
	};
	if (typeof exporter.selectAggregation === 'function')
		selectors.aggregationSelector = t => exporter.selectAggregation(t);
	for (let k = 0; k < opt.resources; k++) {
		const reader = new ManualReader(selectors);
		const provider = new MeterProvider({
			resource: make_resource(k),
			readers: [reader],
			views: [{
				instrumentName: 'sluice.test.latency.exp',
				aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM,
					options: { maxSize: 160, recordMinMax: true } },
			}],
		});
		const m = provider.getMeter('sluice.test.meter', '1.0.0');
		const inst = {
			// Integer sums (asInt) next to double histograms and gauges (asDouble).
			counter: m.createCounter('sluice.test.requests', { unit: '{request}',
				description: 'requests handled', valueType: ValueType.INT }),
			updown: m.createUpDownCounter('sluice.test.inflight', { unit: '{request}',
				valueType: ValueType.INT }),
			hist: m.createHistogram('sluice.test.latency', { unit: 'ms',
				advice: { explicitBucketBoundaries: [1, 5, 10, 50, 100, 500] } }),
			exph: m.createHistogram('sluice.test.latency.exp', { unit: 'ms' }),
		};
		const gauge = m.createObservableGauge('sluice.test.queue.depth', { unit: '{item}' });
		let round = 0;
		gauge.addCallback(obs => {
			for (let s = 0; s < opt.count; s++)
				obs.observe(round * 10 + s + 0.5, series_attrs(s));
		});
		meters.push({ provider, reader, inst, service: service_name(k),
			set_round(r) { round = r; } });
	}
	return meters;
}

function record_round(meter, r) {
	const { counter, updown, hist, exph } = meter.inst;
	meter.set_round(r);
	for (let s = 0; s < opt.count; s++) {
		const a = series_attrs(s);
		counter.add(1 + s, a);
		updown.add(s % 2 ? 2 : -1, a);
		for (const v of [0.5, 3, 7 + s, 42, 250 + r])
			hist.record(v, a);
		for (const v of [0.001, 0.3, 1 + s, 17.5, 1000 + r])
			exph.record(v, a);
	}
}

function count_points(rm) {
	let n = 0;
	for (const sm of rm.scopeMetrics) {
		for (const md of sm.metrics)
			n += md.dataPoints.length;
	}
	return n;
}

// --- export ----------------------------------------------------------------------------

function export_once(exporter, payload) {
	return new Promise(resolve => {
		try {
			exporter.export(payload, res => resolve(res));
		} catch (e) {
			resolve({ code: ExportResultCode.FAILED, error: e });
		}
	});
}

function describe_error(idx, err) {
	if (!err)
		return { export: idx, message: 'export failed without an error object', code: null };
	return {
		export: idx,
		message: String(err.message ?? err),
		code: err.code ?? null,
		...(err.data ? { data: String(err.data).slice(0, 200) } : {}),
	};
}

async function main() {
	const exporter = await make_exporter();
	// jobs: [{ payload, items, by_service }]; built before any export so a failed export
	// never changes what the later ones carry.
	const jobs = [];
	let meters = null;
	if (opt.signal === 'traces' || opt.signal === 'logs') {
		const all = opt.signal === 'traces' ? build_spans() : build_logs();
		for (const part of chunks(all, opt.batch)) {
			const by = {};
			for (const x of part)
				by[x.service] = (by[x.service] ?? 0) + 1;
			jobs.push({ payload: part.map(x => x.item), items: part.length, by_service: by });
		}
	} else {
		meters = build_meters(exporter);
	}

	const summary = { signal: opt.signal, encoding: opt.encoding, gzip: opt.gzip,
		exports: 0, succeeded: 0, failed: 0, items: 0, errors: [],
		items_succeeded: 0, by_service: {} };

	async function run(job, idx) {
		summary.exports++;
		summary.items += job.items;
		for (const [svc, n] of Object.entries(job.by_service))
			summary.by_service[svc] = (summary.by_service[svc] ?? 0) + n;
		const res = await export_once(exporter, job.payload);
		if (res.code === ExportResultCode.SUCCESS) {
			summary.succeeded++;
			summary.items_succeeded += job.items;
		} else {
			summary.failed++;
			if (summary.errors.length < MAX_ERRORS)
				summary.errors.push(describe_error(idx, res.error));
		}
	}

	// Runs jobs with at most opt.concurrency exports in flight, in order of creation.
	async function run_all(list, first_idx) {
		let next = 0;
		const workers = [];
		for (let w = 0; w < Math.min(opt.concurrency, list.length); w++) {
			workers.push((async () => {
				while (next < list.length) {
					const i = next++;
					await run(list[i], first_idx + i);
				}
			})());
		}
		await Promise.all(workers);
	}

	if (meters === null) {
		await run_all(jobs, 0);
	} else {
		let idx = 0;
		for (let r = 0; r < opt.batch; r++) {
			const round = [];
			for (const m of meters) {
				record_round(m, r);
				const { resourceMetrics, errors } = await m.reader.collect();
				if (errors.length)
					summary.errors.push({ export: null, message: `collect: ${errors[0]}`, code: null });
				const n = count_points(resourceMetrics);
				round.push({ payload: resourceMetrics, items: n, by_service: { [m.service]: n } });
			}
			await run_all(round, idx);
			idx += round.length;
		}
	}

	await exporter.shutdown().catch(() => {});
	summary.partial_success = partial.responses;
	summary.rejected = partial.rejected;
	if (partial.messages.length)
		summary.partial_messages = partial.messages;
	for (const m of meters ?? [])
		await m.provider.shutdown().catch(() => {});

	const ok = summary.exports > 0 && summary.failed === 0 && summary.errors.length === 0;
	process.stdout.write(JSON.stringify(summary) + '\n', () => process.exit(ok ? 0 : 1));
}

main().catch(e => {
	process.stdout.write(JSON.stringify({ signal: opt.signal, encoding: opt.encoding,
		gzip: opt.gzip, exports: 0, succeeded: 0, failed: 0, items: 0,
		errors: [{ export: null, message: `client error: ${e?.stack ?? e}`, code: null }] })
		+ '\n', () => process.exit(1));
});
