/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl segments list|verify|stats|dump|replay and dict train: offline tools over stores. */

/*
 * Design
 * ------
 * Every command takes a directory and works on every store beneath it: the
 * directory itself if it holds segment files, and its subdirectories down to
 * STORE_DEPTH_MAX levels, because the dataplane writes one store per flush
 * worker (<store.dir>/worker-<i>/) and routes will add a level or two above
 * that. Stores are processed in name order, files in position order, records
 * in file order: "store order".
 *
 *   top/                      <- the DIR given (or store.dir)
 *     dicts/traces-<id>.zdict <- dictionaries: looked up in the store dir,
 *     worker-0/<20 digits>.seg   then each parent up to top (nearest wins)
 *     worker-1/<20 digits>.seg
 *     routes/r1/worker-0/<20 digits>.seg
 *
 * One loop (each_record) reads every record through sl_seg_next, which
 * checks the CRC, and hands each command the header and, when it asks, the
 * payload; decode() decompresses and walks it (sl_otlp_walk) so a payload
 * is only used (dumped, replayed, sampled) once it is a valid request.
 * protobuf-c unpacks (for the JSON dump) only bytes the walker accepted:
 * its unpacker is not meant for hostile input.
 *
 * Damage stops the reading of a file at the damaged record (sl_seg_next
 * cannot resynchronise), so verify names the first structural fault of a
 * file and how many bytes after it went unchecked; payload faults (zstd,
 * walk, item count) do not stop it.
 *
 * Replay speaks plain HTTP/1.1 over one keep-alive TCP connection, one
 * request at a time, in store order, so "the last acknowledged record" is a
 * position per store and --resume can skip exactly what was acknowledged.
 * No TLS (http:// only): an operator replays to a collector next to the
 * appliance, or through a local TLS proxy.
 *
 * Rejected: linking libcurl for replay (a dependency for 200 lines of
 * HTTP/1.1 with no TLS needed yet); parallel replay connections (would make
 * the resume point a set of positions instead of one per store).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zdict.h>

#include "config.h"
#include "flush/segment.h"
#include "proto/otlp_json.h"
#include "proto/otlp_walk.h"
#include "segments_cli.h"

#define PROG "sluicectl"

/* Subdirectory levels below DIR searched for stores: worker-<i>, and two for route dirs. */
#define STORE_DEPTH_MAX 3
/* Largest OTLP/JSON line a dump renders; a payload is at most 256 MiB of protobuf. */
#define JSON_MAX (1ull << 30)
/* Samples dict train needs per signal: zstd's trainer refuses fewer than about 7. */
#define DICT_MIN_SAMPLES     10
#define DICT_SIZE_DEFAULT    112640 /* zstd's own default (110 KiB) */
#define DICT_SAMPLES_DEFAULT 100000
/* Replay defaults: per-attempt timeout, retries of one record, longest wait between tries. */
#define REPLAY_TIMEOUT_DEFAULT  10.0
#define REPLAY_RETRIES_DEFAULT  5
#define REPLAY_MAX_WAIT_DEFAULT 30.0
/* Response header bytes replay accepts; a response body larger than this closes the connection. */
#define HTTP_HDR_MAX       (64u << 10)
#define HTTP_BODY_KEEP_MAX (16u << 20)
/* The state file is rewritten at most this often while replaying (and always at the end). */
#define STATE_SAVE_INTERVAL 1.0

/* ---- options ---- */

enum cmd { CMD_LIST, CMD_VERIFY, CMD_STATS, CMD_DUMP, CMD_REPLAY, CMD_TRAIN };

struct cli {
	enum cmd cmd;
	const char *name; /* "segments list", for messages */
	bool json;
	const char *config_path;
	const char *dir;
	const char *dicts; /* --dicts: one more dictionary directory, searched last */
	int signal;        /* -1: all */
	bool pb;           /* dump --format pb */
	const char *out;
	const char *endpoint;
	double rate;
	const char *resume;
	double timeout;
	int retries;
	double max_wait;
	uint64_t dict_size;
	uint64_t samples;
	char dir_buf[SL_PATH_LEN];
};

static int
usage_err(const struct cli *c, const char *fmt, const char *arg)
{
	fprintf(stderr, PROG " %s: ", c->name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see " PROG " help)\n");
	return SL_SEGCLI_EXIT_USAGE;
}

static int
parse_signal(const char *s, bool allow_all)
{
	unsigned int i;

	if (allow_all && strcmp(s, "all") == 0)
		return -1;
	for (i = 0; i < SL_SIGNAL_MAX; i++)
		if (strcmp(s, sl_signal_name((enum sl_signal)i)) == 0)
			return (int)i;
	return -2;
}

static int
parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return (errno != 0 || end == s || *end != '\0' || !(*v >= lo && *v <= hi)) ? -EINVAL : 0;
}

/* Options each command takes (besides --json, --config and one DIR). */
static bool
takes(enum cmd cmd, const char *opt)
{
	static const struct {
		const char *opt;
		unsigned int cmds; /* bit per enum cmd */
	} t[] = {
	    {"--dicts", 1u << CMD_VERIFY | 1u << CMD_DUMP | 1u << CMD_REPLAY | 1u << CMD_TRAIN},
	    {"--signal", 1u << CMD_DUMP | 1u << CMD_REPLAY | 1u << CMD_TRAIN},
	    {"--format", 1u << CMD_DUMP},
	    {"--out", 1u << CMD_DUMP | 1u << CMD_TRAIN},
	    {"--endpoint", 1u << CMD_REPLAY},
	    {"--rate", 1u << CMD_REPLAY},
	    {"--resume", 1u << CMD_REPLAY},
	    {"--timeout", 1u << CMD_REPLAY},
	    {"--retries", 1u << CMD_REPLAY},
	    {"--max-wait", 1u << CMD_REPLAY},
	    {"--size", 1u << CMD_TRAIN},
	    {"--samples", 1u << CMD_TRAIN},
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].opt, opt) == 0)
			return (t[i].cmds >> cmd) & 1u;
	return false;
}

static int
opt_value(struct cli *c, const char *opt, const char *v)
{
	double d;

	if (strcmp(opt, "--dicts") == 0) {
		c->dicts = v;
	} else if (strcmp(opt, "--signal") == 0) {
		c->signal = parse_signal(v, c->cmd == CMD_TRAIN);
		if (c->signal == -2)
			return usage_err(c,
			                 c->cmd == CMD_TRAIN
			                     ? "--signal: '%s' is not traces, metrics, logs or all"
			                     : "--signal: '%s' is not traces, metrics or logs",
			                 v);
	} else if (strcmp(opt, "--format") == 0) {
		if (strcmp(v, "json") != 0 && strcmp(v, "pb") != 0)
			return usage_err(c, "--format: '%s' is not json or pb", v);
		c->pb = strcmp(v, "pb") == 0;
	} else if (strcmp(opt, "--out") == 0) {
		c->out = v;
	} else if (strcmp(opt, "--endpoint") == 0) {
		c->endpoint = v;
	} else if (strcmp(opt, "--rate") == 0) {
		if (parse_num(v, 0.001, 1e6, &c->rate) != 0)
			return usage_err(c, "--rate: '%s' is not requests per second in 0.001..1e6",
			                 v);
	} else if (strcmp(opt, "--resume") == 0) {
		c->resume = v;
	} else if (strcmp(opt, "--timeout") == 0) {
		if (parse_num(v, 0.01, 3600, &c->timeout) != 0)
			return usage_err(c, "--timeout: '%s' is not seconds in 0.01..3600", v);
	} else if (strcmp(opt, "--retries") == 0) {
		if (parse_num(v, 0, 1000, &d) != 0 || d != floor(d))
			return usage_err(c, "--retries: '%s' is not a count in 0..1000", v);
		c->retries = (int)d;
	} else if (strcmp(opt, "--max-wait") == 0) {
		if (parse_num(v, 0, 3600, &c->max_wait) != 0)
			return usage_err(c, "--max-wait: '%s' is not seconds in 0..3600", v);
	} else if (strcmp(opt, "--size") == 0) {
		if (parse_num(v, 256, SL_SEG_DICT_MAX, &d) != 0 || d != floor(d))
			return usage_err(c, "--size: '%s' is not bytes in 256..2097152", v);
		c->dict_size = (uint64_t)d;
	} else if (strcmp(opt, "--samples") == 0) {
		if (parse_num(v, DICT_MIN_SAMPLES, 1e7, &d) != 0 || d != floor(d))
			return usage_err(c, "--samples: '%s' is not a count in 10..10000000", v);
		c->samples = (uint64_t)d;
	}
	return 0;
}

static int
parse_args(struct cli *c, int argc, char **argv)
{
	int i, rc;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq, *v;
		char opt[32];

		if (strcmp(a, "--json") == 0) {
			c->json = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0)
				return usage_err(c, "unknown option '%s'", a);
			if (strcmp(a, "--") == 0 && ++i >= argc)
				break;
			if (c->dir != NULL)
				return usage_err(c, "one directory only; '%s' is one too many",
				                 argv[i]);
			c->dir = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		snprintf(opt, sizeof(opt), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (strcmp(opt, "--config") != 0 && !takes(c->cmd, opt))
			return usage_err(c, "unknown option '%s'", a);
		if (eq != NULL) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_err(c, "%s needs a value", opt);
			v = argv[++i];
		}
		if (strcmp(opt, "--config") == 0) {
			c->config_path = v;
			continue;
		}
		rc = opt_value(c, opt, v);
		if (rc != 0)
			return rc;
	}
	if (c->cmd == CMD_REPLAY && c->endpoint == NULL)
		return usage_err(c, "%s", "--endpoint URL is required");
	return 0;
}

/* The directory given, else store.dir of the configuration. */
static int
resolve_dir(struct cli *c)
{
	static struct sl_config cfg;
	const char *path = c->config_path ? c->config_path : "conf/sluice.yaml";
	char err[SL_CONF_ERR_LEN];

	if (c->dir != NULL)
		return 0;
	if (c->config_path == NULL && access(path, R_OK) != 0) {
		fprintf(stderr,
		        PROG " %s: no directory given, and no conf/sluice.yaml here for store.dir "
		             "(give DIR or --config FILE)\n",
		        c->name);
		return SL_SEGCLI_EXIT_USAGE;
	}
	if (sl_config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return SL_SEGCLI_EXIT_FAIL;
	}
	snprintf(c->dir_buf, sizeof(c->dir_buf), "%s", cfg.store.dir);
	c->dir = c->dir_buf;
	return 0;
}

/* ---- output helpers ---- */

/* snprintf into a path buffer; -ENAMETOOLONG instead of a silently cut path. */
static int fmt_path(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fmt_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* "2026-11-26T16:00:00.123Z" (UTC, milliseconds); "-" for 0. */
static void
fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (ns == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	(void)fmt_path(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
	               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	               (unsigned int)(ns % 1000000000ull / 1000000));
}

static void
signals_text(unsigned int mask, char *buf, size_t len)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < SL_SIGNAL_MAX; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
			                      sl_signal_name((enum sl_signal)i));
	if (n == 0)
		snprintf(buf, len, "-");
}

/* ---- stores ---- */

struct store {
	char *rel;  /* path below DIR ("." for DIR itself) */
	char *path; /* DIR/rel */
	char **files;
	unsigned int nfiles, cap;
};

struct stores {
	const char *top;
	struct store *v;
	unsigned int n, cap;
};

static int
is_seg_name(const char *name)
{
	size_t i;

	if (strlen(name) != SL_SEG_NAME_LEN ||
	    strcmp(name + SL_SEG_NAME_DIGITS, SL_SEG_SUFFIX) != 0)
		return 0;
	for (i = 0; i < SL_SEG_NAME_DIGITS; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_store(const void *a, const void *b)
{
	const struct store *x = a, *y = b;

	return strcmp(x->rel, y->rel);
}

static int
push_ptr(char ***v, unsigned int *n, unsigned int *cap, char *p)
{
	if (p == NULL)
		return -ENOMEM;
	if (*n == *cap) {
		unsigned int nc = *cap ? 2 * *cap : 16;
		char **nv = realloc(*v, nc * sizeof(**v));

		if (nv == NULL) {
			free(p);
			return -ENOMEM;
		}
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = p;
	return 0;
}

static void
stores_free(struct stores *ss)
{
	unsigned int i, k;

	for (i = 0; i < ss->n; i++) {
		for (k = 0; k < ss->v[i].nfiles; k++)
			free(ss->v[i].files[k]);
		free(ss->v[i].files);
		free(ss->v[i].rel);
		free(ss->v[i].path);
	}
	free(ss->v);
	memset(ss, 0, sizeof(*ss));
}

/* Adds path (DIR/rel) as a store if it holds segment files, then its subdirectories. */
static int
scan(struct stores *ss, const char *path, const char *rel, int depth)
{
	char **subs = NULL, sub[PATH_MAX], subrel[PATH_MAX];
	unsigned int nsubs = 0, csubs = 0, i;
	struct store st = {0};
	struct dirent *de;
	struct stat sb;
	int rc = 0;
	DIR *d;

	d = opendir(path);
	if (d == NULL)
		return depth == 0 ? -errno : 0; /* an unreadable subdirectory is not a store */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fmt_path(sub, sizeof(sub), "%s/%s", path, de->d_name) != 0 ||
		    lstat(sub, &sb) != 0)
			continue;
		if (S_ISREG(sb.st_mode) && is_seg_name(de->d_name))
			rc = push_ptr(&st.files, &st.nfiles, &st.cap, strdup(de->d_name));
		else if (S_ISDIR(sb.st_mode) && depth < STORE_DEPTH_MAX)
			rc = push_ptr(&subs, &nsubs, &csubs, strdup(de->d_name));
	}
	closedir(d);
	if (rc == 0 && st.nfiles > 0) {
		if (ss->n == ss->cap) {
			unsigned int nc = ss->cap ? 2 * ss->cap : 8;
			struct store *nv = realloc(ss->v, nc * sizeof(*nv));

			if (nv == NULL)
				rc = -ENOMEM;
			else {
				ss->v = nv;
				ss->cap = nc;
			}
		}
		st.rel = strdup(rel);
		st.path = strdup(path);
		if (rc == 0 && (st.rel == NULL || st.path == NULL))
			rc = -ENOMEM;
		if (rc == 0) {
			qsort(st.files, st.nfiles, sizeof(*st.files), cmp_str);
			ss->v[ss->n++] = st;
			memset(&st, 0, sizeof(st));
		}
	}
	for (i = 0; i < st.nfiles; i++)
		free(st.files[i]);
	free(st.files);
	free(st.rel);
	free(st.path);
	for (i = 0; i < nsubs; i++) {
		if (rc == 0) {
			if (strcmp(rel, ".") == 0)
				rc = fmt_path(subrel, sizeof(subrel), "%s", subs[i]);
			else
				rc = fmt_path(subrel, sizeof(subrel), "%s/%s", rel, subs[i]);
			if (rc == 0)
				rc = fmt_path(sub, sizeof(sub), "%s/%s", path, subs[i]);
			if (rc == 0)
				rc = scan(ss, sub, subrel, depth + 1);
		}
		free(subs[i]);
	}
	free(subs);
	return rc;
}

static int
find_stores(const struct cli *c, struct stores *ss)
{
	int rc;

	memset(ss, 0, sizeof(*ss));
	ss->top = c->dir;
	rc = scan(ss, c->dir, ".", 0);
	if (rc < 0) {
		fprintf(stderr, PROG " %s: %s: %s\n", c->name, c->dir, strerror(-rc));
		stores_free(ss);
		return rc;
	}
	qsort(ss->v, ss->n, sizeof(*ss->v), cmp_store);
	return 0;
}

/*
 * A codec with the dictionaries a reader of store st may need: dicts/ in the
 * store's directory, then in each parent up to DIR, then --dicts.
 */
static struct sl_seg_codec *
store_codec(const struct cli *c, const struct stores *ss, const struct store *st)
{
	struct sl_seg_codec *codec = sl_seg_codec_create(3);
	char dir[PATH_MAX], rel[PATH_MAX];
	const char *at = dir;
	char *slash;
	int rc = 0;

	if (codec == NULL)
		return NULL;
	snprintf(rel, sizeof(rel), "%s", st->rel);
	for (;;) {
		if (strcmp(rel, ".") == 0)
			rc = fmt_path(dir, sizeof(dir), "%s/" SL_SEG_DICTS_DIR, ss->top);
		else
			rc = fmt_path(dir, sizeof(dir), "%s/%s/" SL_SEG_DICTS_DIR, ss->top, rel);
		if (rc == 0)
			rc = sl_seg_codec_load_dicts(codec, dir);
		if (rc < 0 || strcmp(rel, ".") == 0)
			break;
		slash = strrchr(rel, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			snprintf(rel, sizeof(rel), ".");
	}
	if (rc >= 0 && c->dicts != NULL) {
		at = c->dicts;
		rc = sl_seg_codec_load_dicts(codec, c->dicts);
	}
	if (rc < 0) {
		fprintf(stderr, PROG " %s: cannot load the dictionaries in %s: %s\n", c->name, at,
		        strerror(-rc));
		sl_seg_codec_free(codec);
		errno = -rc;
		return NULL;
	}
	return codec;
}

/* ---- reading every record ---- */

struct run;

struct file_info {
	const struct store *st;
	const char *path;                 /* DIR/rel/name */
	const struct sl_seg_file_hdr *fh; /* NULL: header damaged */
	uint64_t size;
};

/* What a command does per file and record; each may be NULL. Negative returns stop the run. */
struct visitor {
	bool payload; /* read payloads (else only headers, CRC still checked) */
	bool codec;   /* make a codec with the store's dictionaries */
	int (*file_begin)(struct run *r, const struct file_info *fi);
	int (*record)(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
	              const uint8_t *payload);
	int (*file_end)(struct run *r, const struct file_info *fi, int rc,
	                const struct sl_seg_damage *dmg);
};

struct fault {
	char *path;
	uint64_t offset;
	char *what;
};

struct sig_stats {
	uint64_t records, items, raw, comp;
};

struct route_stats {
	uint32_t id;
	struct sig_stats s[SL_SIGNAL_MAX];
};

struct sample {
	uint8_t *b;
	size_t len;
};

struct run {
	struct cli *c;
	struct sl_seg_codec *codec; /* of the current store */
	uint8_t *pay, *raw;
	size_t pay_cap, raw_cap;
	struct sl_otlp_entry *ents;
	uint32_t ents_cap;
	struct sl_otlp_walk_result wres;
	char *json;
	size_t json_cap;
	FILE *out;
	uint64_t stores, files, records, damaged_files;
	/* verify */
	struct fault *faults;
	unsigned int nfaults, cfaults;
	/* list */
	uint64_t f_records, f_first, f_last;
	unsigned int f_signals;
	uint32_t f_dicts[8];
	unsigned int f_ndicts;
	bool first_line;
	/* stats */
	struct route_stats *routes;
	unsigned int nroutes, croutes;
	/* dump */
	uint64_t dumped;
	/* replay */
	struct replay *rp;
	/* dict train */
	struct sample *smp[SL_SIGNAL_MAX];
	uint64_t seen[SL_SIGNAL_MAX];
	uint64_t nsmp[SL_SIGNAL_MAX];
	uint64_t rng;
};

static int add_fault(struct run *r, const char *path, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add_fault(struct run *r, const char *path, uint64_t off, const char *fmt, ...)
{
	struct fault *f;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r->nfaults == r->cfaults) {
		unsigned int nc = r->cfaults ? 2 * r->cfaults : 16;

		f = realloc(r->faults, nc * sizeof(*f));
		if (f == NULL)
			return -ENOMEM;
		r->faults = f;
		r->cfaults = nc;
	}
	f = &r->faults[r->nfaults];
	f->path = strdup(path);
	f->what = strdup(what);
	f->offset = off;
	if (f->path == NULL || f->what == NULL) {
		free(f->path);
		free(f->what);
		return -ENOMEM;
	}
	r->nfaults++;
	if (!r->c->json && r->c->cmd == CMD_VERIFY)
		printf("%s: offset %" PRIu64 ": %s\n", path, off, what);
	else if (r->c->cmd != CMD_VERIFY)
		fprintf(stderr, PROG " %s: %s: offset %" PRIu64 ": %s\n", r->c->name, path, off,
		        what);
	return 0;
}

static int
grow(uint8_t **b, size_t *cap, size_t need)
{
	uint8_t *nb;

	if (*cap >= need)
		return 0;
	nb = realloc(*b, need);
	if (nb == NULL)
		return -ENOMEM;
	*b = nb;
	*cap = need;
	return 0;
}

/*
 * Decompresses and walks a record's payload into r->raw, r->wres (with
 * entries when want_entries). Returns 0, -ENOMEM, or 1 with msg set when
 * the payload is faulty.
 */
static int
decode(struct run *r, const struct sl_seg_rec *rec, const uint8_t *payload, bool want_entries,
       char *msg, size_t len)
{
	int rc;

	if (grow(&r->raw, &r->raw_cap, rec->raw_len ? rec->raw_len : 1) != 0)
		return -ENOMEM;
	rc = sl_seg_decompress(r->codec, rec, payload, r->raw, r->raw_cap);
	if (rc == -ENOTSUP) {
		snprintf(msg, len,
		         "needs zstd dictionary %u, not found in dicts/ of the store or its "
		         "parents (or --dicts)",
		         rec->dict_id);
		return 1;
	}
	if (rc != 0) {
		snprintf(msg, len, "payload does not decompress to its %u bytes (%s)%s",
		         rec->raw_len, strerror(-rc), rec->dict_id ? " with its dictionary" : "");
		return 1;
	}
	if (want_entries && r->ents == NULL) {
		r->ents = calloc(64, sizeof(*r->ents));
		if (r->ents == NULL)
			return -ENOMEM;
		r->ents_cap = 64;
	}
	for (;;) {
		memset(&r->wres, 0, sizeof(r->wres));
		r->wres.entries = want_entries ? r->ents : NULL;
		r->wres.max_entries = want_entries ? r->ents_cap : 0;
		rc = sl_otlp_walk_buf(rec->signal, r->raw, rec->raw_len, NULL, &r->wres);
		if (rc != -E2BIG || !want_entries)
			break;
		{
			uint32_t nc = 2 * r->ents_cap;
			struct sl_otlp_entry *ne = realloc(r->ents, nc * sizeof(*ne));

			if (ne == NULL)
				return -ENOMEM;
			r->ents = ne;
			r->ents_cap = nc;
		}
	}
	if (rc != 0) {
		snprintf(msg, len, "payload is not a valid Export%sServiceRequest: %s",
		         rec->signal == SL_SIGNAL_TRACES    ? "Trace"
		         : rec->signal == SL_SIGNAL_METRICS ? "Metrics"
		                                            : "Logs",
		         r->wres.err_msg);
		return 1;
	}
	if (r->wres.items != rec->item_count) {
		snprintf(msg, len, "header says %u items, payload holds %u", rec->item_count,
		         r->wres.items);
		return 1;
	}
	return 0;
}

static int
each_file(struct run *r, const struct visitor *v, const struct store *st, const char *name)
{
	struct sl_seg_damage dmg = {SL_SEG_ERR_NONE, 0};
	struct sl_seg_file_hdr fh;
	struct sl_seg_reader *rd;
	struct file_info fi;
	struct sl_seg_rec rec;
	char path[PATH_MAX];
	struct stat sb;
	int rc, vrc = 0;

	if (fmt_path(path, sizeof(path), "%s/%s", st->path, name) != 0)
		return -ENAMETOOLONG;
	fi.st = st;
	fi.path = path;
	rd = sl_seg_reader_open(path);
	if (rd == NULL) {
		rc = -errno;
		fprintf(stderr, PROG " %s: %s: %s\n", r->c->name, path, strerror(-rc));
		return rc;
	}
	if (sl_seg_reader_file_hdr(rd) != NULL) {
		fh = *sl_seg_reader_file_hdr(rd); /* outlives the reader, for file_end */
		fi.fh = &fh;
	} else {
		fi.fh = NULL;
	}
	fi.size = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	r->files++;
	if (v->file_begin != NULL)
		vrc = v->file_begin(r, &fi);
	while (vrc >= 0) {
		rc = sl_seg_next(rd, &rec, v->payload ? r->pay : NULL, v->payload ? r->pay_cap : 0,
		                 &dmg);
		if (rc == -ENOBUFS) {
			if (grow(&r->pay, &r->pay_cap, rec.comp_len) != 0) {
				vrc = -ENOMEM;
				break;
			}
			continue;
		}
		if (rc != 0)
			break;
		r->records++;
		if (v->record != NULL)
			vrc = v->record(r, &fi, &rec, r->pay);
	}
	sl_seg_reader_close(rd);
	if (vrc < 0)
		return vrc;
	if (rc != SL_SEG_EOF)
		r->damaged_files++;
	if (v->file_end != NULL)
		vrc = v->file_end(r, &fi, rc, rc == SL_SEG_EOF ? NULL : &dmg);
	return vrc < 0 ? vrc : 0;
}

static int
each_record(struct run *r, const struct visitor *v, struct stores *ss)
{
	unsigned int i, k;
	int rc = 0;

	/* sl_seg_next reads no payload into a NULL buffer: have one from the start. */
	if (v->payload && grow(&r->pay, &r->pay_cap, 64u << 10) != 0)
		return -ENOMEM;
	for (i = 0; i < ss->n && rc == 0; i++) {
		const struct store *st = &ss->v[i];

		r->stores++;
		if (v->codec) {
			r->codec = store_codec(r->c, ss, st);
			if (r->codec == NULL)
				return -errno;
		}
		for (k = 0; k < st->nfiles && rc == 0; k++)
			rc = each_file(r, v, st, st->files[k]);
		sl_seg_codec_free(r->codec);
		r->codec = NULL;
	}
	return rc;
}

static void
run_free(struct run *r)
{
	unsigned int i, s;
	uint64_t k;

	for (i = 0; i < r->nfaults; i++) {
		free(r->faults[i].path);
		free(r->faults[i].what);
	}
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		for (k = 0; k < r->nsmp[s]; k++)
			free(r->smp[s][k].b);
		free(r->smp[s]);
	}
	free(r->faults);
	free(r->routes);
	free(r->pay);
	free(r->raw);
	free(r->ents);
	free(r->json);
	sl_seg_codec_free(r->codec);
}

/* ---- list ---- */

static int
list_begin(struct run *r, const struct file_info *fi)
{
	(void)fi;
	r->f_records = r->f_first = r->f_last = 0;
	r->f_signals = 0;
	r->f_ndicts = 0;
	return 0;
}

static int
list_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
            const uint8_t *payload)
{
	unsigned int i;

	(void)fi;
	(void)payload;
	if (r->f_records++ == 0 || rec->first_recv_ns < r->f_first)
		r->f_first = rec->first_recv_ns;
	if (rec->last_recv_ns > r->f_last)
		r->f_last = rec->last_recv_ns;
	r->f_signals |= 1u << rec->signal;
	for (i = 0; i < r->f_ndicts && r->f_dicts[i] != rec->dict_id; i++)
		;
	if (rec->dict_id != 0 && i == r->f_ndicts && r->f_ndicts < 8)
		r->f_dicts[r->f_ndicts++] = rec->dict_id;
	return 0;
}

static int
list_end(struct run *r, const struct file_info *fi, int rc, const struct sl_seg_damage *dmg)
{
	char first[48], last[48], sigs[32];
	unsigned int i, s;

	(void)rc;
	fmt_time(r->f_first, first, sizeof(first));
	fmt_time(r->f_last, last, sizeof(last));
	if (!r->c->json) {
		signals_text(r->f_signals, sigs, sizeof(sigs));
		printf("%-12s %-20" PRIu64 " %12" PRIu64 " %9" PRIu64 "  %-24s  %-24s  %-20s %s",
		       fi->st->rel, fi->fh ? fi->fh->base : 0, fi->size, r->f_records, first, last,
		       sigs, fi->path);
		if (dmg != NULL)
			printf("  [damaged at offset %" PRIu64 ": %s]", dmg->offset,
			       sl_seg_err_str(dmg->kind));
		printf("\n");
		return 0;
	}
	printf("%s{\"store\":", r->first_line ? "" : ",");
	r->first_line = false;
	jstr(stdout, fi->st->rel);
	printf(",\"path\":");
	jstr(stdout, fi->path);
	printf(",\"base\":%" PRIu64 ",\"size\":%" PRIu64 ",\"records\":%" PRIu64
	       ",\"first_recv_ns\":%" PRIu64 ",\"last_recv_ns\":%" PRIu64
	       ",\"first_recv\":\"%s\",\"last_recv\":\"%s\",\"signals\":[",
	       fi->fh ? fi->fh->base : 0, fi->size, r->f_records, r->f_first, r->f_last, first,
	       last);
	for (s = 0, i = 0; s < SL_SIGNAL_MAX; s++)
		if (r->f_signals & (1u << s))
			printf("%s\"%s\"", i++ ? "," : "", sl_signal_name((enum sl_signal)s));
	printf("],\"dicts\":[");
	for (i = 0; i < r->f_ndicts; i++)
		printf("%s%u", i ? "," : "", r->f_dicts[i]);
	printf("],\"damage\":");
	if (dmg == NULL)
		printf("null}");
	else
		printf("{\"offset\":%" PRIu64 ",\"kind\":\"%s\"}}", dmg->offset,
		       sl_seg_err_str(dmg->kind));
	return 0;
}

static int
cmd_list(struct run *r, struct stores *ss)
{
	static const struct visitor v = {
	    .file_begin = list_begin, .record = list_record, .file_end = list_end};
	int rc;

	r->first_line = true;
	if (r->c->json)
		printf("{\"dir\":");
	if (r->c->json) {
		jstr(stdout, r->c->dir);
		printf(",\"files\":[");
	} else {
		printf("%-12s %-20s %12s %9s  %-24s  %-24s  %-20s %s\n", "STORE", "BASE", "SIZE",
		       "RECORDS", "FIRST RECEIVE", "LAST RECEIVE", "SIGNALS", "PATH");
	}
	rc = each_record(r, &v, ss);
	if (r->c->json)
		printf("],\"stores\":%" PRIu64 ",\"records\":%" PRIu64 ",\"damaged_files\":%" PRIu64
		       "}\n",
		       r->stores, r->records, r->damaged_files);
	else if (ss->n == 0)
		printf("(no segment files under %s)\n", r->c->dir);
	return rc < 0 ? SL_SEGCLI_EXIT_FAIL : SL_SEGCLI_EXIT_OK;
}

/* ---- verify ---- */

static int
verify_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
              const uint8_t *payload)
{
	char msg[SL_OTLP_ERR_MSG_LEN + 128];
	int rc = decode(r, rec, payload, false, msg, sizeof(msg));

	if (rc == 1)
		return add_fault(r, fi->path, rec->file_off, "%s", msg);
	return rc;
}

static int
verify_end(struct run *r, const struct file_info *fi, int rc, const struct sl_seg_damage *dmg)
{
	(void)rc;
	if (dmg == NULL)
		return 0;
	if (dmg->offset < fi->size)
		return add_fault(r, fi->path, dmg->offset,
		                 "%s (the %" PRIu64 " bytes from here on are not checked)",
		                 sl_seg_err_str(dmg->kind), fi->size - dmg->offset);
	return add_fault(r, fi->path, dmg->offset, "%s", sl_seg_err_str(dmg->kind));
}

static int
cmd_verify(struct run *r, struct stores *ss)
{
	static const struct visitor v = {
	    .payload = true, .codec = true, .record = verify_record, .file_end = verify_end};
	unsigned int i;
	int rc;

	rc = each_record(r, &v, ss);
	if (rc < 0) {
		if (rc == -ENOMEM)
			fprintf(stderr, PROG " %s: out of memory\n", r->c->name);
		return SL_SEGCLI_EXIT_FAIL;
	}
	if (r->c->json) {
		printf("{\"dir\":");
		jstr(stdout, r->c->dir);
		printf(",\"stores\":%" PRIu64 ",\"files\":%" PRIu64 ",\"records\":%" PRIu64
		       ",\"ok\":%s,\"faults\":[",
		       r->stores, r->files, r->records, r->nfaults ? "false" : "true");
		for (i = 0; i < r->nfaults; i++) {
			printf("%s{\"path\":", i ? "," : "");
			jstr(stdout, r->faults[i].path);
			printf(",\"offset\":%" PRIu64 ",\"what\":", r->faults[i].offset);
			jstr(stdout, r->faults[i].what);
			printf("}");
		}
		printf("]}\n");
	} else {
		printf("verify %s: %" PRIu64 " store(s), %" PRIu64 " file(s), %" PRIu64
		       " good record(s), %u fault(s)\n",
		       r->c->dir, r->stores, r->files, r->records, r->nfaults);
	}
	return r->nfaults ? SL_SEGCLI_EXIT_FAIL : SL_SEGCLI_EXIT_OK;
}

/* ---- stats ---- */

static int
stats_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
             const uint8_t *payload)
{
	struct route_stats *rs = NULL;
	struct sig_stats *s;
	unsigned int i;

	(void)fi;
	(void)payload;
	for (i = 0; i < r->nroutes; i++)
		if (r->routes[i].id == rec->route_id)
			rs = &r->routes[i];
	if (rs == NULL) {
		if (r->nroutes == r->croutes) {
			unsigned int nc = r->croutes ? 2 * r->croutes : 8;
			struct route_stats *nv = realloc(r->routes, nc * sizeof(*nv));

			if (nv == NULL)
				return -ENOMEM;
			r->routes = nv;
			r->croutes = nc;
		}
		rs = &r->routes[r->nroutes++];
		memset(rs, 0, sizeof(*rs));
		rs->id = rec->route_id;
	}
	s = &rs->s[rec->signal];
	s->records++;
	s->items += rec->item_count;
	s->raw += rec->raw_len;
	s->comp += rec->comp_len;
	return 0;
}

static int
cmp_route(const void *a, const void *b)
{
	const struct route_stats *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
sig_add(struct sig_stats *t, const struct sig_stats *s)
{
	t->records += s->records;
	t->items += s->items;
	t->raw += s->raw;
	t->comp += s->comp;
}

static void
sig_json(const struct sig_stats *s)
{
	printf("{\"records\":%" PRIu64 ",\"items\":%" PRIu64 ",\"bytes\":%" PRIu64
	       ",\"raw_bytes\":%" PRIu64 ",\"compressed_bytes\":%" PRIu64 "}",
	       s->records, s->items, s->raw, s->raw, s->comp);
}

static void
sig_row(const char *route, const char *sig, const struct sig_stats *s)
{
	printf("%-10s %-8s %12" PRIu64 " %14" PRIu64 " %16" PRIu64 " %16" PRIu64 " %7.2f\n", route,
	       sig, s->records, s->items, s->raw, s->comp,
	       s->comp ? (double)s->raw / (double)s->comp : 0.0);
}

/* A route's (or all routes') stats per signal and their total. */
static void
stats_block(const char *route, const struct sig_stats *s, bool json)
{
	struct sig_stats t = {0};
	unsigned int i;

	for (i = 0; i < SL_SIGNAL_MAX; i++)
		sig_add(&t, &s[i]);
	for (i = 0; i < SL_SIGNAL_MAX; i++) {
		if (json) {
			printf("\"%s\":", sl_signal_name((enum sl_signal)i));
			sig_json(&s[i]);
			printf(",");
		} else if (s[i].records != 0) {
			sig_row(route, sl_signal_name((enum sl_signal)i), &s[i]);
		}
	}
	if (json) {
		printf("\"total\":");
		sig_json(&t);
	} else {
		sig_row(route, "total", &t);
	}
}

static int
cmd_stats(struct run *r, struct stores *ss)
{
	static const struct visitor v = {.record = stats_record};
	struct sig_stats all[SL_SIGNAL_MAX] = {0};
	unsigned int i, s;
	char name[16];
	int rc;

	rc = each_record(r, &v, ss);
	if (rc < 0)
		return SL_SEGCLI_EXIT_FAIL;
	qsort(r->routes, r->nroutes, sizeof(*r->routes), cmp_route);
	for (i = 0; i < r->nroutes; i++)
		for (s = 0; s < SL_SIGNAL_MAX; s++)
			sig_add(&all[s], &r->routes[i].s[s]);
	if (r->c->json) {
		printf("{");
		stats_block("all", all, true);
		printf(",\"routes\":{");
		for (i = 0; i < r->nroutes; i++) {
			printf("%s\"%u\":{", i ? "," : "", r->routes[i].id);
			stats_block("", r->routes[i].s, true);
			printf("}");
		}
		printf("},\"stores\":%" PRIu64 ",\"files\":%" PRIu64 ",\"damaged_files\":%" PRIu64
		       "}\n",
		       r->stores, r->files, r->damaged_files);
	} else {
		printf("%-10s %-8s %12s %14s %16s %16s %7s\n", "ROUTE", "SIGNAL", "RECORDS",
		       "ITEMS", "RAW BYTES", "COMPRESSED", "RATIO");
		for (i = 0; i < r->nroutes; i++) {
			snprintf(name, sizeof(name), "%u", r->routes[i].id);
			stats_block(name, r->routes[i].s, false);
		}
		stats_block("all", all, false);
		printf("%" PRIu64 " store(s), %" PRIu64 " file(s)", r->stores, r->files);
		if (r->damaged_files)
			printf(", %" PRIu64 " damaged (counted up to the damage; see verify)",
			       r->damaged_files);
		printf("\n");
	}
	return SL_SEGCLI_EXIT_OK;
}

/* ---- dump ---- */

int
sl_segments_cli_to_json(enum sl_signal sig, const uint8_t *pb, size_t len, char **buf, size_t *cap,
                        size_t *out_len, char *err, size_t errlen)
{
	struct sl_otlp_walk_result res;
	size_t want;
	char *nb;
	int rc;

	memset(&res, 0, sizeof(res));
	if (len > UINT32_MAX)
		return -E2BIG;
	rc = sl_otlp_walk_buf(sig, pb, (uint32_t)len, NULL, &res);
	if (rc != 0) {
		if (err != NULL)
			snprintf(err, errlen, "%s", res.err_msg);
		return -EBADMSG;
	}
	/* Most JSON is 2-4x its protobuf; hex ids, escapes and keys of tiny fields grow more. */
	want = *cap ? *cap : 4 * len + 4096;
	for (;;) {
		if (*cap < want) {
			nb = realloc(*buf, want);
			if (nb == NULL)
				return -ENOMEM;
			*buf = nb;
			*cap = want;
		}
		rc = sl_otlp_pb_to_json(sig, pb, len, *buf, *cap, out_len);
		if (rc != -E2BIG)
			break;
		if (*cap >= JSON_MAX)
			return -E2BIG;
		want = *cap * 2 > JSON_MAX ? JSON_MAX : *cap * 2;
	}
	if (rc == -EBADMSG && err != NULL)
		snprintf(err, errlen, "protobuf-c cannot unpack it");
	return rc;
}

static int
dump_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
            const uint8_t *payload)
{
	char msg[SL_OTLP_ERR_MSG_LEN + 128];
	uint8_t be[4];
	size_t n;
	int rc;

	if (r->c->signal >= 0 && (int)rec->signal != r->c->signal)
		return 0;
	rc = decode(r, rec, payload, false, msg, sizeof(msg));
	if (rc == 1)
		return add_fault(r, fi->path, rec->file_off, "%s; not dumped", msg);
	if (rc < 0)
		return rc;
	if (r->c->pb) {
		be[0] = (uint8_t)(rec->raw_len >> 24);
		be[1] = (uint8_t)(rec->raw_len >> 16);
		be[2] = (uint8_t)(rec->raw_len >> 8);
		be[3] = (uint8_t)rec->raw_len;
		if (fwrite(be, 1, 4, r->out) != 4 ||
		    fwrite(r->raw, 1, rec->raw_len, r->out) != rec->raw_len)
			return -EIO;
	} else {
		rc = sl_segments_cli_to_json(rec->signal, r->raw, rec->raw_len, &r->json,
		                             &r->json_cap, &n, msg, sizeof(msg));
		if (rc == -EBADMSG || rc == -E2BIG)
			return add_fault(r, fi->path, rec->file_off, "cannot render as JSON: %s",
			                 rc == -E2BIG ? "over 1 GiB" : msg);
		if (rc < 0)
			return rc;
		if (fwrite(r->json, 1, n, r->out) != n || fputc('\n', r->out) == EOF)
			return -EIO;
	}
	r->dumped++;
	return 0;
}

static int
dump_end(struct run *r, const struct file_info *fi, int rc, const struct sl_seg_damage *dmg)
{
	(void)rc;
	if (dmg == NULL)
		return 0;
	return add_fault(r, fi->path, dmg->offset, "%s; the rest of the file is not dumped",
	                 sl_seg_err_str(dmg->kind));
}

static int
cmd_dump(struct run *r, struct stores *ss)
{
	static const struct visitor v = {
	    .payload = true, .codec = true, .record = dump_record, .file_end = dump_end};
	int rc;

	r->out = stdout;
	if (r->c->out != NULL && strcmp(r->c->out, "-") != 0) {
		r->out = fopen(r->c->out, "w");
		if (r->out == NULL) {
			fprintf(stderr, PROG " %s: %s: %s\n", r->c->name, r->c->out,
			        strerror(errno));
			return SL_SEGCLI_EXIT_FAIL;
		}
	}
	rc = each_record(r, &v, ss);
	if (fflush(r->out) != 0 && rc == 0)
		rc = -EIO;
	if (r->out != stdout && fclose(r->out) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		fprintf(stderr, PROG " %s: %s\n", r->c->name,
		        rc == -EIO ? "cannot write the output" : strerror(-rc));
	fprintf(stderr, PROG " %s: %" PRIu64 " record(s) dumped, %u fault(s)\n", r->c->name,
	        r->dumped, r->nfaults);
	return rc < 0 || r->nfaults ? SL_SEGCLI_EXIT_FAIL : SL_SEGCLI_EXIT_OK;
}

/* ---- replay: a minimal HTTP/1.1 client ---- */

struct http {
	char host[256];
	char port[8];
	char path[1024];     /* "" when the URL had none (then /v1/<signal>) */
	char authority[300]; /* Host header */
	int fd;
	double timeout;
	uint8_t buf[HTTP_HDR_MAX];
	size_t have; /* bytes in buf not yet consumed */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* http://host[:port][/path]; [v6addr]:port. Returns 0 or -EINVAL (-EPROTONOSUPPORT: https). */
static int
url_parse(const char *url, struct http *h)
{
	const char *p, *hs, *he, *ps;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		return -EPROTONOSUPPORT;
	if (strncasecmp(url, "http://", 7) != 0)
		return -EINVAL;
	p = url + 7;
	if (*p == '[') {
		hs = p + 1;
		he = strchr(hs, ']');
		if (he == NULL)
			return -EINVAL;
		p = he + 1;
	} else {
		hs = p;
		he = p + strcspn(p, ":/");
		p = he;
	}
	n = (size_t)(he - hs);
	if (n == 0 || n >= sizeof(h->host))
		return -EINVAL;
	memcpy(h->host, hs, n);
	h->host[n] = '\0';
	snprintf(h->port, sizeof(h->port), "80");
	if (*p == ':') {
		ps = ++p;
		p += strspn(p, "0123456789");
		n = (size_t)(p - ps);
		if (n == 0 || n > 5 || atoi(ps) < 1 || atoi(ps) > 65535)
			return -EINVAL;
		snprintf(h->port, sizeof(h->port), "%d", atoi(ps));
	}
	if (*p != '\0' && *p != '/')
		return -EINVAL;
	if (strlen(p) >= sizeof(h->path) || strpbrk(p, " \r\n") != NULL)
		return -EINVAL;
	snprintf(h->path, sizeof(h->path), "%s", strcmp(p, "/") == 0 ? "" : p);
	snprintf(h->authority, sizeof(h->authority), strchr(h->host, ':') ? "[%s]:%s" : "%s:%s",
	         h->host, h->port);
	return 0;
}

static void
http_close(struct http *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->have = 0;
}

/* Waits for fd to be ready for ev until deadline; 0, or -ETIMEDOUT. */
static int
wait_fd(int fd, short ev, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		struct pollfd p = {fd, ev, 0};
		int k;

		if (left <= 0)
			return -ETIMEDOUT;
		k = poll(&p, 1, (int)(left * 1000) + 1);
		if (k > 0)
			return 0;
		if (k < 0 && errno != EINTR)
			return -errno;
	}
}

static int
http_connect(struct http *h, double deadline, char *msg, size_t len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *a;
	int rc = -ECONNREFUSED, g;

	g = getaddrinfo(h->host, h->port, &hints, &ai);
	if (g != 0) {
		snprintf(msg, len, "cannot resolve %s: %s", h->host, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		                a->ai_protocol);
		int e = 0;
		socklen_t el = sizeof(e);

		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
			rc = -errno;
			close(fd);
			continue;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e != 0)
			rc = -e;
		if (rc != 0) {
			close(fd);
			continue;
		}
		h->fd = fd;
		h->have = 0;
		break;
	}
	freeaddrinfo(ai);
	if (h->fd < 0)
		snprintf(msg, len, "cannot connect to %s: %s", h->authority, strerror(-rc));
	return h->fd < 0 ? rc : 0;
}

static int
send_all(struct http *h, const void *b, size_t n, double deadline)
{
	const uint8_t *p = b;

	while (n > 0) {
		ssize_t k = send(h->fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			int rc = wait_fd(h->fd, POLLOUT, deadline);

			if (rc != 0)
				return rc;
			continue;
		}
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads more into h->buf; the count, 0 at EOF, or -errno. */
static ssize_t
fill(struct http *h, double deadline)
{
	for (;;) {
		ssize_t k;

		if (h->have == sizeof(h->buf))
			return -EMSGSIZE;
		k = recv(h->fd, h->buf + h->have, sizeof(h->buf) - h->have, 0);
		if (k >= 0) {
			h->have += (size_t)k;
			return k;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		k = wait_fd(h->fd, POLLIN, deadline);
		if (k != 0)
			return k;
	}
}

static void
consume(struct http *h, size_t n)
{
	memmove(h->buf, h->buf + n, h->have - n);
	h->have -= n;
}

/* One CRLF-terminated line (without it) into line; -EMSGSIZE when longer than cap. */
static int
read_line(struct http *h, char *line, size_t cap, double deadline)
{
	for (;;) {
		uint8_t *nl = memchr(h->buf, '\n', h->have);
		ssize_t k;

		if (nl != NULL) {
			size_t n = (size_t)(nl - h->buf);

			if (n > 0 && h->buf[n - 1] == '\r')
				n--;
			if (n >= cap)
				return -EMSGSIZE;
			memcpy(line, h->buf, n);
			line[n] = '\0';
			consume(h, (size_t)(nl - h->buf) + 1);
			return 0;
		}
		k = fill(h, deadline);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0)
			return (int)k;
	}
}

/* Discards n body bytes. */
static int
skip_body(struct http *h, uint64_t n, double deadline)
{
	while (n > 0) {
		ssize_t k;

		if (h->have > 0) {
			size_t t = h->have < n ? h->have : (size_t)n;

			consume(h, t);
			n -= t;
			continue;
		}
		k = fill(h, deadline);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0)
			return (int)k;
	}
	return 0;
}

/* Seconds from a Retry-After value (delta-seconds or an HTTP-date); -1 if unparsable. */
static double
retry_after(const char *v)
{
	struct tm tm;
	char *end;
	long s;

	while (*v == ' ' || *v == '\t')
		v++;
	s = strtol(v, &end, 10);
	if (end != v && (*end == '\0' || *end == ' ') && s >= 0)
		return (double)s;
	memset(&tm, 0, sizeof(tm));
	if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL) {
		double d = difftime(timegm(&tm), time(NULL));

		return d > 0 ? d : 0;
	}
	return -1;
}

/*
 * POSTs body to path and reads the response. Returns the status code (and
 * *ra the Retry-After seconds or -1), or a negative errno for a transport
 * failure with msg set. *fresh says whether the connection was new (a reused
 * one the server closed meanwhile fails without the request being seen).
 */
static int
http_post(struct http *h, const char *path, const void *body, size_t len, double *ra, bool *fresh,
          char *msg, size_t msglen)
{
	double deadline = now_s() + h->timeout;
	bool chunked = false, close_after = false, has_cl = false;
	char line[8192], hdr[1600];
	uint64_t cl = 0;
	int status = 0, rc, n;

	*ra = -1;
	*fresh = h->fd < 0;
	if (h->fd < 0) {
		rc = http_connect(h, deadline, msg, msglen);
		if (rc != 0)
			return rc;
	}
	n = snprintf(hdr, sizeof(hdr),
	             "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sluicectl\r\n"
	             "Content-Type: application/x-protobuf\r\nContent-Length: %zu\r\n\r\n",
	             path, h->authority, len);
	rc = send_all(h, hdr, (size_t)n, deadline);
	if (rc == 0)
		rc = send_all(h, body, len, deadline);
	if (rc != 0)
		goto fail;
	do { /* 1xx responses come before the real one */
		rc = read_line(h, line, sizeof(line), deadline);
		if (rc != 0)
			goto fail;
		if (sscanf(line, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100 ||
		    status > 599) {
			rc = -EPROTO;
			goto fail;
		}
		for (;;) {
			char *colon;

			rc = read_line(h, line, sizeof(line), deadline);
			if (rc != 0)
				goto fail;
			if (line[0] == '\0')
				break;
			colon = strchr(line, ':');
			if (colon == NULL)
				continue;
			*colon++ = '\0';
			while (*colon == ' ' || *colon == '\t')
				colon++;
			if (strcasecmp(line, "content-length") == 0) {
				has_cl = true;
				cl = strtoull(colon, NULL, 10);
			} else if (strcasecmp(line, "transfer-encoding") == 0) {
				chunked = strcasestr(colon, "chunked") != NULL;
			} else if (strcasecmp(line, "connection") == 0) {
				close_after = strcasestr(colon, "close") != NULL;
			} else if (strcasecmp(line, "retry-after") == 0) {
				*ra = retry_after(colon);
			}
		}
	} while (status < 200);
	if (chunked) {
		for (;;) {
			uint64_t sz;

			rc = read_line(h, line, sizeof(line), deadline);
			if (rc != 0)
				goto fail;
			sz = strtoull(line, NULL, 16);
			if (sz == 0)
				break;
			if (sz > HTTP_BODY_KEEP_MAX) {
				close_after = true;
				break;
			}
			rc = skip_body(h, sz + 2, deadline);
			if (rc != 0)
				goto fail;
		}
		/* trailers, up to the empty line */
		while (!close_after && (rc = read_line(h, line, sizeof(line), deadline)) == 0 &&
		       line[0] != '\0')
			;
		if (rc != 0)
			goto fail;
	} else if (has_cl) {
		if (cl > HTTP_BODY_KEEP_MAX)
			close_after = true;
		else if ((rc = skip_body(h, cl, deadline)) != 0)
			goto fail;
	} else if (status != 204 && status != 304) {
		close_after = true; /* body until close: not worth reading */
	}
	if (close_after)
		http_close(h);
	return status;
fail:
	snprintf(msg, msglen, "%s: %s", h->authority,
	         rc == -ETIMEDOUT  ? "no response in time (--timeout)"
	         : rc == -EPROTO   ? "not an HTTP/1.x response"
	         : rc == -EMSGSIZE ? "response header too long"
	                           : strerror(-rc));
	http_close(h);
	return rc;
}

/* ---- replay ---- */

struct resume_ent {
	uint8_t id[SL_SEG_STORE_ID_LEN];
	uint64_t pos;
};

struct replay {
	struct http h;
	double next_send;
	uint64_t sent, acked, retried, failed, skipped;
	bool aborted;
	struct resume_ent *st;
	unsigned int nst, cst;
	struct resume_ent *cur; /* of the file being replayed */
	bool dirty;
	double saved_at;
};

static volatile sig_atomic_t replay_stop;

static void
on_stop(int sig)
{
	(void)sig;
	replay_stop = 1;
}

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
state_load(struct replay *rp, const char *path)
{
	char line[256];
	unsigned int ln = 0, i;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct resume_ent e;
		char *end;

		ln++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		for (i = 0; i < SL_SEG_STORE_ID_LEN; i++) {
			int a = hexv(line[2 * i]), b = a < 0 ? -1 : hexv(line[2 * i + 1]);

			if (b < 0)
				goto bad;
			e.id[i] = (uint8_t)(a << 4 | b);
		}
		if (line[2 * SL_SEG_STORE_ID_LEN] != ' ')
			goto bad;
		errno = 0;
		e.pos = strtoull(line + 2 * SL_SEG_STORE_ID_LEN + 1, &end, 10);
		if (errno != 0 || (*end != '\n' && *end != '\0'))
			goto bad;
		if (rp->nst == rp->cst) {
			unsigned int nc = rp->cst ? 2 * rp->cst : 8;
			struct resume_ent *nv = realloc(rp->st, nc * sizeof(*nv));

			if (nv == NULL) {
				fclose(f);
				return -ENOMEM;
			}
			rp->st = nv;
			rp->cst = nc;
		}
		rp->st[rp->nst++] = e;
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, PROG " segments replay: %s:%u: not '<32 hex digits> <position>'\n", path,
	        ln);
	fclose(f);
	return -EINVAL;
}

/* Writes the state to path.tmp, syncs it and renames it over path: never a torn state file. */
static int
state_save(const struct replay *rp, const char *path)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	unsigned int i, k;
	FILE *f;
	int fd, rc = 0;

	if (fmt_path(tmp, sizeof(tmp), "%s.tmp", path) != 0)
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "# sluicectl segments replay --resume: per store, its id and the position of "
	           "the last acknowledged record\n");
	for (i = 0; i < rp->nst; i++) {
		if (rp->st[i].pos == UINT64_MAX)
			continue; /* nothing acknowledged in that store yet */
		for (k = 0; k < SL_SEG_STORE_ID_LEN; k++)
			fprintf(f, "%02x", rp->st[i].id[k]);
		fprintf(f, " %" PRIu64 "\n", rp->st[i].pos);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd); /* the rename itself; a failure loses only this progress */
		close(fd);
	}
	return 0;
}

static int
replay_begin(struct run *r, const struct file_info *fi)
{
	struct replay *rp = r->rp;
	unsigned int i;

	rp->cur = NULL;
	if (fi->fh == NULL)
		return 0; /* reported by replay_end */
	for (i = 0; i < rp->nst; i++)
		if (memcmp(rp->st[i].id, fi->fh->store_id, SL_SEG_STORE_ID_LEN) == 0)
			rp->cur = &rp->st[i];
	if (rp->cur == NULL) {
		if (rp->nst == rp->cst) {
			unsigned int nc = rp->cst ? 2 * rp->cst : 8;
			struct resume_ent *nv = realloc(rp->st, nc * sizeof(*nv));

			if (nv == NULL)
				return -ENOMEM;
			rp->st = nv;
			rp->cst = nc;
		}
		rp->cur = &rp->st[rp->nst++];
		memcpy(rp->cur->id, fi->fh->store_id, SL_SEG_STORE_ID_LEN);
		rp->cur->pos = UINT64_MAX; /* nothing acknowledged yet */
	}
	return 0;
}

static bool
transient(int status)
{
	return status < 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

static int
replay_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
              const uint8_t *payload)
{
	struct replay *rp = r->rp;
	const struct cli *c = r->c;
	char msg[SL_OTLP_ERR_MSG_LEN + 128], path[1100];
	double backoff = 0.5, ra, wait;
	int rc, status = 0, attempt;
	bool fresh;

	if (replay_stop || rp->aborted)
		return -EINTR;
	if (c->signal >= 0 && (int)rec->signal != c->signal)
		return 0;
	if (rp->cur != NULL && rp->cur->pos != UINT64_MAX && rec->pos <= rp->cur->pos) {
		rp->skipped++;
		return 0;
	}
	rc = decode(r, rec, payload, false, msg, sizeof(msg));
	if (rc < 0)
		return rc;
	if (rc == 1) {
		rp->failed++;
		return add_fault(r, fi->path, rec->file_off, "%s; not sent", msg);
	}
	if (rp->h.path[0] != '\0')
		snprintf(path, sizeof(path), "%s", rp->h.path);
	else
		snprintf(path, sizeof(path), "/v1/%s", sl_signal_name(rec->signal));
	rp->sent++;
	for (attempt = 0;; attempt++) {
		if (c->rate > 0) {
			sleep_s(rp->next_send - now_s());
			rp->next_send = fmax(rp->next_send, now_s() - 1.0) + 1.0 / c->rate;
		}
		status =
		    http_post(&rp->h, path, r->raw, rec->raw_len, &ra, &fresh, msg, sizeof(msg));
		if (status < 0 && !fresh) {
			/* The server closed the idle keep-alive connection: resend at once. */
			status = http_post(&rp->h, path, r->raw, rec->raw_len, &ra, &fresh, msg,
			                   sizeof(msg));
		}
		if (!transient(status) || attempt >= c->retries || replay_stop)
			break;
		wait = ra >= 0 ? ra : backoff;
		wait = fmin(wait, c->max_wait);
		backoff = fmin(backoff * 2, c->max_wait);
		rp->retried++;
		if (!c->json)
			fprintf(stderr, PROG " segments replay: %s %s, retrying in %.1f s\n", path,
			        status < 0      ? msg
			        : status == 429 ? "got 429"
			                        : "got 5xx",
			        wait);
		sleep_s(wait);
	}
	if (status >= 200 && status < 300) {
		rp->acked++;
		if (rp->cur != NULL) {
			rp->cur->pos = rec->pos;
			rp->dirty = true;
		}
		if (c->resume != NULL && now_s() - rp->saved_at >= STATE_SAVE_INTERVAL) {
			rc = state_save(rp, c->resume);
			if (rc != 0)
				fprintf(stderr, PROG " segments replay: cannot write %s: %s\n",
				        c->resume, strerror(-rc));
			rp->saved_at = now_s();
			rp->dirty = rc != 0;
		}
		return 0;
	}
	rp->failed++;
	if (status < 0 || transient(status)) {
		/* The endpoint is down or overloaded: later records would fail the same way. */
		rp->aborted = true;
		if (status < 0)
			return add_fault(r, fi->path, rec->file_off, "%s; replay stopped", msg);
		return add_fault(r, fi->path, rec->file_off,
		                 "HTTP %d after %d retries; replay stopped", status, c->retries);
	}
	return add_fault(r, fi->path, rec->file_off, "HTTP %d from %s (not retried)", status, path);
}

static int
replay_end(struct run *r, const struct file_info *fi, int rc, const struct sl_seg_damage *dmg)
{
	(void)rc;
	if (dmg == NULL || r->rp->aborted || replay_stop)
		return 0;
	return add_fault(r, fi->path, dmg->offset, "%s; the rest of the file is not replayed",
	                 sl_seg_err_str(dmg->kind));
}

static int
cmd_replay(struct run *r, struct stores *ss)
{
	static const struct visitor v = {.payload = true,
	                                 .codec = true,
	                                 .file_begin = replay_begin,
	                                 .record = replay_record,
	                                 .file_end = replay_end};
	struct replay *rp = calloc(1, sizeof(*rp));
	const struct cli *c = r->c;
	struct sigaction sa = {.sa_handler = on_stop};
	int rc, ret;

	if (rp == NULL)
		return SL_SEGCLI_EXIT_FAIL;
	r->rp = rp;
	rp->h.fd = -1;
	rp->h.timeout = c->timeout;
	rc = url_parse(c->endpoint, &rp->h);
	if (rc != 0) {
		free(rp);
		r->rp = NULL;
		return usage_err(c,
		                 rc == -EPROTONOSUPPORT
		                     ? "--endpoint %s: https is not supported yet, only http://"
		                     : "--endpoint %s: not http://HOST[:PORT][/PATH]",
		                 c->endpoint);
	}
	if (c->resume != NULL && (rc = state_load(rp, c->resume)) != 0) {
		if (rc != -EINVAL)
			fprintf(stderr, PROG " segments replay: %s: %s\n", c->resume,
			        strerror(-rc));
		free(rp->st);
		free(rp);
		r->rp = NULL;
		return SL_SEGCLI_EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rp->saved_at = now_s();
	rp->next_send = now_s();
	rc = each_record(r, &v, ss);
	http_close(&rp->h);
	if (c->resume != NULL && rp->dirty) {
		int src = state_save(rp, c->resume);

		if (src != 0) {
			fprintf(stderr, PROG " segments replay: cannot write %s: %s\n", c->resume,
			        strerror(-src));
			rc = rc ? rc : src;
		}
	}
	if (rc < 0 && rc != -EINTR)
		fprintf(stderr, PROG " segments replay: %s\n", strerror(-rc));
	if (c->json)
		printf("{\"endpoint\":\"%s\",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64
		       ",\"retried\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"skipped\":%" PRIu64
		       ",\"interrupted\":%s,\"stopped\":%s}\n",
		       rp->h.authority, rp->sent, rp->acked, rp->retried, rp->failed, rp->skipped,
		       replay_stop ? "true" : "false", rp->aborted ? "true" : "false");
	else
		printf("replay to %s: %" PRIu64 " sent, %" PRIu64 " acknowledged, %" PRIu64
		       " retried, %" PRIu64 " failed, %" PRIu64
		       " skipped (acknowledged before)%s\n",
		       rp->h.authority, rp->sent, rp->acked, rp->retried, rp->failed, rp->skipped,
		       replay_stop   ? "; interrupted"
		       : rp->aborted ? "; stopped early"
		                     : "");
	ret = (rc < 0 && rc != -EINTR) || rp->failed || r->nfaults || replay_stop
	          ? SL_SEGCLI_EXIT_FAIL
	          : SL_SEGCLI_EXIT_OK;
	free(rp->st);
	free(rp);
	r->rp = NULL;
	return ret;
}

/* ---- dict train ---- */

static uint64_t
rnd(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

/* Reservoir sampling (Algorithm R): each entry seen is kept with probability cap / seen. */
static int
train_record(struct run *r, const struct file_info *fi, const struct sl_seg_rec *rec,
             const uint8_t *payload)
{
	char msg[SL_OTLP_ERR_MSG_LEN + 128];
	enum sl_signal s = rec->signal;
	uint32_t i;
	int rc;

	if (r->c->signal >= 0 && (int)s != r->c->signal)
		return 0;
	rc = decode(r, rec, payload, true, msg, sizeof(msg));
	if (rc == 1)
		return add_fault(r, fi->path, rec->file_off, "%s; not sampled", msg);
	if (rc < 0)
		return rc;
	if (r->smp[s] == NULL) {
		r->smp[s] = calloc(r->c->samples, sizeof(*r->smp[s]));
		if (r->smp[s] == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < r->wres.n_entries; i++) {
		const struct sl_otlp_entry *e = &r->ents[i];
		uint64_t slot = r->seen[s]++;
		uint8_t *b;

		if (slot >= r->c->samples) {
			slot = rnd(r) % (slot + 1);
			if (slot >= r->c->samples)
				continue;
		}
		b = malloc(e->len ? e->len : 1);
		if (b == NULL)
			return -ENOMEM;
		memcpy(b, r->raw + e->off, e->len);
		if (slot < r->nsmp[s]) {
			free(r->smp[s][slot].b);
		} else {
			r->nsmp[s]++;
		}
		r->smp[s][slot].b = b;
		r->smp[s][slot].len = e->len;
	}
	return 0;
}

static int
write_dict(const char *dir, enum sl_signal s, uint32_t id, const void *b, size_t n, char *path,
           size_t plen)
{
	char tmp[PATH_MAX];
	FILE *f;
	int rc = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (fmt_path(path, plen, "%s/%s-%u" SL_SEG_DICT_SUFFIX, dir, sl_signal_name(s), id) != 0 ||
	    fmt_path(tmp, sizeof(tmp), "%s.tmp", path) != 0)
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	if (fwrite(b, 1, n, f) != n || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = errno ? -errno : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Trains signal s's dictionary; 0 trained, 1 nothing to train from, -1 failed (reported). */
static int
train_one(struct run *r, enum sl_signal s, const char *out, bool *first)
{
	const char *name = sl_signal_name(s);
	uint64_t n = r->nsmp[s], total = 0, k;
	size_t *sizes = NULL, got;
	uint8_t *cat = NULL, *dict = NULL;
	char path[PATH_MAX];
	int ret = -1, rc;
	uint32_t id;

	if (n == 0 && r->c->signal < 0) {
		if (!r->c->json)
			printf("%s: no records in the store, no dictionary\n", name);
		return 1;
	}
	if (n < DICT_MIN_SAMPLES) {
		fprintf(stderr,
		        PROG " dict train: %s: only %" PRIu64
		             " sample(s) (Resource entries) in the "
		             "store; need at least %d, and zstd advises about 100x the dictionary "
		             "size in sample bytes\n",
		        name, n, DICT_MIN_SAMPLES);
		return -1;
	}
	for (k = 0; k < n; k++)
		total += r->smp[s][k].len;
	sizes = malloc(n * sizeof(*sizes));
	cat = malloc(total ? total : 1);
	dict = malloc(r->c->dict_size);
	if (sizes == NULL || cat == NULL || dict == NULL) {
		fprintf(stderr, PROG " dict train: %s: out of memory\n", name);
		goto out;
	}
	for (total = 0, k = 0; k < n; k++) {
		memcpy(cat + total, r->smp[s][k].b, r->smp[s][k].len);
		sizes[k] = r->smp[s][k].len;
		total += r->smp[s][k].len;
	}
	got = ZDICT_trainFromBuffer(dict, r->c->dict_size, cat, sizes, (unsigned int)n);
	if (ZDICT_isError(got)) {
		fprintf(stderr,
		        PROG " dict train: %s: zstd could not train a dictionary from %" PRIu64
		             " samples (%" PRIu64
		             " bytes): %s; more (or more varied) samples, or a "
		             "smaller --size, help\n",
		        name, n, total, ZDICT_getErrorName(got));
		goto out;
	}
	id = ZDICT_getDictID(dict, got);
	rc = write_dict(out, s, id, dict, got, path, sizeof(path));
	if (rc != 0) {
		fprintf(stderr, PROG " dict train: %s: cannot write %s: %s\n", name, path,
		        strerror(-rc));
		goto out;
	}
	if (r->c->json) {
		printf("%s{\"signal\":\"%s\",\"id\":%u,\"size\":%zu,\"samples\":%" PRIu64
		       ",\"sample_bytes\":%" PRIu64 ",\"path\":",
		       *first ? "" : ",", name, id, got, n, total);
		jstr(stdout, path);
		printf("}");
		*first = false;
	} else {
		printf("%s: dictionary %u (%zu bytes, from %" PRIu64 " samples of %" PRIu64
		       " bytes): %s\n",
		       name, id, got, n, total, path);
	}
	ret = 0;
out:
	free(sizes);
	free(cat);
	free(dict);
	return ret;
}

static int
cmd_train(struct run *r, struct stores *ss)
{
	static const struct visitor v = {.payload = true, .codec = true, .record = train_record};
	char out[PATH_MAX];
	bool first = true;
	int rc, failed = 0, trained = 0;
	unsigned int s;

	r->rng = 0x9e3779b97f4a7c15ull; /* fixed: the same store trains the same dictionary */
	rc = each_record(r, &v, ss);
	if (rc < 0) {
		fprintf(stderr, PROG " dict train: %s\n", strerror(-rc));
		return SL_SEGCLI_EXIT_FAIL;
	}
	if (r->c->out != NULL)
		snprintf(out, sizeof(out), "%s", r->c->out);
	else
		snprintf(out, sizeof(out), "%s/" SL_SEG_DICTS_DIR, r->c->dir);
	if (r->c->json)
		printf("{\"dicts\":[");
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		if (r->c->signal >= 0 && (int)s != r->c->signal)
			continue;
		rc = train_one(r, (enum sl_signal)s, out, &first);
		failed += rc < 0;
		trained += rc == 0;
	}
	if (r->c->json)
		printf("],\"faults\":%u}\n", r->nfaults);
	if (trained == 0 && failed == 0)
		fprintf(stderr, PROG " dict train: no records under %s to train from\n", r->c->dir);
	return failed || trained == 0 ? SL_SEGCLI_EXIT_FAIL : SL_SEGCLI_EXIT_OK;
}

/* ---- entry points ---- */

static int
run_cmd(struct cli *c, int argc, char **argv)
{
	struct stores ss;
	struct run r;
	int rc;

	c->signal = -1;
	c->timeout = REPLAY_TIMEOUT_DEFAULT;
	c->retries = REPLAY_RETRIES_DEFAULT;
	c->max_wait = REPLAY_MAX_WAIT_DEFAULT;
	c->dict_size = DICT_SIZE_DEFAULT;
	c->samples = DICT_SAMPLES_DEFAULT;
	rc = parse_args(c, argc, argv);
	if (rc == 0)
		rc = resolve_dir(c);
	if (rc != 0)
		return rc;
	if (find_stores(c, &ss) != 0)
		return SL_SEGCLI_EXIT_FAIL;
	memset(&r, 0, sizeof(r));
	r.c = c;
	switch (c->cmd) {
	case CMD_LIST:
		rc = cmd_list(&r, &ss);
		break;
	case CMD_VERIFY:
		rc = cmd_verify(&r, &ss);
		break;
	case CMD_STATS:
		rc = cmd_stats(&r, &ss);
		break;
	case CMD_DUMP:
		rc = cmd_dump(&r, &ss);
		break;
	case CMD_REPLAY:
		rc = cmd_replay(&r, &ss);
		break;
	case CMD_TRAIN:
		rc = cmd_train(&r, &ss);
		break;
	}
	run_free(&r);
	stores_free(&ss);
	return rc;
}

int
sl_segments_cli_run(int argc, char **argv, const char *config_path, bool json)
{
	static const char *const names[] = {"list", "verify", "stats", "dump", "replay"};
	struct cli c = {.config_path = config_path, .json = json};
	char label[32];
	unsigned int i;

	if (argc < 1) {
		fprintf(stderr, PROG " segments: expected list, verify, stats, dump or replay "
		                     "(see " PROG " help)\n");
		return SL_SEGCLI_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(argv[0], names[i]) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0])) {
		fprintf(stderr,
		        PROG " segments: unknown subcommand '%s': expected list, verify, stats, "
		             "dump or replay\n",
		        argv[0]);
		return SL_SEGCLI_EXIT_USAGE;
	}
	snprintf(label, sizeof(label), "segments %s", names[i]);
	c.cmd = (enum cmd)i;
	c.name = label;
	return run_cmd(&c, argc - 1, argv + 1);
}

int
sl_segments_cli_dict(int argc, char **argv, const char *config_path, bool json)
{
	struct cli c = {
	    .config_path = config_path, .json = json, .cmd = CMD_TRAIN, .name = "dict train"};

	if (argc < 1 || strcmp(argv[0], "train") != 0) {
		fprintf(stderr, PROG " dict: expected train (see " PROG " help)\n");
		return SL_SEGCLI_EXIT_USAGE;
	}
	return run_cmd(&c, argc - 1, argv + 1);
}

void
sl_segments_cli_usage(FILE *f)
{
	fprintf(
	    f,
	    "  segments list [DIR]          segment files of every store under DIR (default:\n"
	    "                               the config's store.dir): base, size, records,\n"
	    "                               receive times, signals\n"
	    "  segments verify [DIR]        CRCs, and every payload decompresses and is a valid\n"
	    "                               Export*ServiceRequest; faults with file and offset;\n"
	    "                               exit 0 clean, 1 faults\n"
	    "  segments stats [DIR]         records, items, raw and compressed bytes per signal\n"
	    "                               and route\n"
	    "  segments dump [--format json|pb] [--signal S] [--out FILE] [DIR]\n"
	    "                               records as OTLP/JSON lines, or pb: 4-byte big-endian\n"
	    "                               length + protobuf per record\n"
	    "  segments replay --endpoint http://HOST[:PORT][/PATH] [--signal S] [--rate REQ/S]\n"
	    "                  [--resume STATEFILE] [--timeout S] [--retries N] [--max-wait S]\n"
	    "                  [DIR]        POST every record (application/x-protobuf) to\n"
	    "                               PATH or /v1/<signal>; http:// only\n"
	    "                               (verify, dump, replay also take --dicts DIR)\n"
	    "  dict train [--signal S|all] [--size BYTES] [--samples N] [--out DIR] [DIR]\n"
	    "                               train zstd dictionaries from a store's records into\n"
	    "                               DIR/dicts/<signal>-<id>.zdict (or --out)\n");
}
