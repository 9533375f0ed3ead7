/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-control: owns the dynamic config, publishes table images, serves sluicectl and /metrics. */

/*
 * Design
 * ------
 * One thread, one poll() loop over three kinds of descriptor: the control
 * socket (sluicectl), the management HTTP listener (/metrics, /healthz,
 * /readyz) and a tick (heartbeat_ms). A connection is served to completion
 * with a 2 s receive timeout: requests are tiny and rare, and one thread
 * means the state needs no lock. A stuck client costs the others 2 s.
 *
 * State: <state_dir>/<instance>/versions/<N>.yaml holds every version of the
 * dynamic config (routes, faults, tenants, limits, in the conf file's own
 * schema); audit.log has one JSON line per change (version, time, peer uid
 * and user, command, summary). A change is: copy the running config, apply,
 * validate, compile (so it surely fits), write N+1 (tmp + fsync + rename),
 * audit, then publish. At start the highest N is the running config; with
 * none, the conf file's dynamic sections become version 1.
 *
 * Publication goes to /dev/shm/sluice.<instance>.tables (table_image.h). The
 * region outlives this process, so the dataplane keeps classifying with the
 * last image while we are down; on start we republish the same state under a
 * new generation. When the dataplane's pid changes (a restart) we republish
 * too, so a dataplane that started before us or without the region gets it.
 *
 * Rejected: a separate thread per client (state would need a lock for little
 * gain); inotify on the conf file (an operator edits it in steps: reload is
 * explicit, `sluicectl config reload` or SIGHUP).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctlproto.h"
#include "metrics.h"
#include "routes.h"
#include "stats_map.h"
#include "table_compile.h"
#include "table_match.h"

#define PROG "sluice-control"
/* Room for <state_dir>/<instance>/versions/<N>.yaml.tmp */
#define PATH_BUF (SL_PATH_LEN + SL_NAME_LEN + 64)

/* Exit codes of a served command, as sluicectl exits with them. */
enum { RC_OK = 0, RC_FAIL = 1, RC_USAGE = 2, RC_DENIED = 77 };

struct ctl {
	struct sl_config cfg;
	const char *conf_path;
	char instance[SL_NAME_LEN];
	char state[SL_PATH_LEN + SL_NAME_LEN]; /* <state_dir>/<instance> */
	char sock_path[SL_PATH_LEN];
	char listen[64];
	char group[SL_NAME_LEN];
	struct sl_dyn *dyn;        /* running config */
	struct sl_dyn *scratch;    /* a change is built here, then swapped in */
	uint64_t version;
	uint64_t published_version;
	struct sl_tbl_map tables;
	void *img;                 /* compile buffer, SL_TBL_SLOT_SIZE */
	bool need_publish;
	int32_t dp_pid_seen;
	int sock_fd, http_fd;
	struct sl_metrics_control mc;
};

static volatile sig_atomic_t stop, hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		stop = 1;
}

static void
logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logmsg(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s " PROG ": ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[SL_PATH_LEN];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* --- versions and audit ------------------------------------------------- */

static void
version_path(const struct ctl *c, uint64_t v, char *out, size_t len)
{
	snprintf(out, len, "%s/versions/%" PRIu64 ".yaml", c->state, v);
}

static uint64_t
latest_version(const struct ctl *c)
{
	char dir[PATH_BUF];
	struct dirent *e;
	uint64_t best = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/versions", c->state);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long long v = strtoull(e->d_name, &end, 10);

		if (end != e->d_name && strcmp(end, ".yaml") == 0 && v > best)
			best = v;
	}
	closedir(d);
	return best;
}

static int
write_version(const struct ctl *c, const struct sl_dyn *d, uint64_t v, const char *summary)
{
	char path[PATH_BUF], tmp[PATH_BUF + 8];
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	FILE *f;
	int rc = 0;

	version_path(c, v, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "# sluice-control version %" PRIu64 " of instance %s, %s\n# %s\n", v,
	        c->instance, ts, summary);
	sl_dyn_write(f, d);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static void
audit(const struct ctl *c, uint64_t v, uid_t uid, const char *cmd, const char *summary)
{
	char path[PATH_BUF], ts[40], user[64];
	struct passwd *pw = getpwuid(uid);
	struct timespec now;
	struct tm tm;
	FILE *f;

	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "?");
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(path, sizeof(path), "%s/audit.log", c->state);
	f = fopen(path, "a");
	if (f == NULL) {
		logmsg("cannot append to %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "{\"version\":%" PRIu64 ",\"time\":\"%s.%03ldZ\",\"uid\":%u,\"user\":", v, ts,
	        now.tv_nsec / 1000000, (unsigned)uid);
	json_str(f, user);
	fprintf(f, ",\"command\":");
	json_str(f, cmd);
	fprintf(f, ",\"summary\":");
	json_str(f, summary);
	fprintf(f, "}\n");
	fflush(f);
	fsync(fileno(f));
	fclose(f);
}

/* --- publication -------------------------------------------------------- */

static int
publish(struct ctl *c)
{
	char err[SL_DYN_ERR_LEN];
	long len;
	int64_t gen;
	uint32_t active = 0;

	len = sl_tbl_compile(c->dyn, c->version, sl_stats_now_ns(), c->img, SL_TBL_SLOT_SIZE, err,
	                     sizeof(err));
	if (len < 0) {
		logmsg("compile of version %" PRIu64 " failed: %s", c->version, err);
		return (int)len;
	}
	gen = sl_tbl_publish(&c->tables, c->img, (size_t)len);
	if (gen < 0) {
		c->mc.publish_failures++;
		c->need_publish = true; /* the tick retries */
		return (int)gen;
	}
	for (uint32_t i = 0; i < c->dyn->n_faults; i++)
		active += c->dyn->faults[i].expires_unix_ns > sl_stats_now_ns();
	c->need_publish = false;
	c->published_version = c->version;
	c->mc.publications++;
	c->mc.generation = (uint64_t)gen;
	c->mc.config_version = c->version;
	c->mc.routes = c->dyn->n_routes;
	c->mc.faults = active;
	logmsg("published version %" PRIu64 " as generation %" PRId64 " (%ld bytes, crc32c %08x)",
	       c->version, gen, len, sl_tbl_current(&c->tables)->crc32c);
	return 0;
}

/*
 * Make scratch the running config as version N+1: compile first (a config
 * that cannot become an image is refused before it is recorded), then write,
 * audit, swap and publish.
 */
static int
commit(struct ctl *c, uid_t uid, const char *cmd, const char *summary, char *err, size_t errlen)
{
	struct sl_dyn *t;
	long len;
	int rc;

	len = sl_tbl_compile(c->scratch, c->version + 1, sl_stats_now_ns(), c->img,
	                     SL_TBL_SLOT_SIZE, err, errlen);
	if (len < 0)
		return (int)len;
	rc = write_version(c, c->scratch, c->version + 1, summary);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write version %" PRIu64 ": %s", c->version + 1,
		         strerror(-rc));
		return rc;
	}
	c->version++;
	audit(c, c->version, uid, cmd, summary);
	t = c->dyn;
	c->dyn = c->scratch;
	c->scratch = t;
	publish(c);
	return 0;
}

/* Remove expired faults as a new version (audit user: the daemon itself). */
static void
expire_faults(struct ctl *c)
{
	uint64_t now = sl_stats_now_ns();
	char summary[512], err[SL_DYN_ERR_LEN];
	size_t used = 0;
	uint32_t i, k = 0, n = 0;

	for (i = 0; i < c->dyn->n_faults; i++)
		n += c->dyn->faults[i].expires_unix_ns <= now;
	if (n == 0)
		return;
	memcpy(c->scratch, c->dyn, sizeof(*c->dyn));
	used = (size_t)snprintf(summary, sizeof(summary), "expired:");
	for (i = 0; i < c->dyn->n_faults; i++) {
		if (c->dyn->faults[i].expires_unix_ns <= now) {
			if (used < sizeof(summary))
				used += (size_t)snprintf(summary + used, sizeof(summary) - used,
				                         " %s", c->dyn->faults[i].name);
			continue;
		}
		c->scratch->faults[k++] = c->dyn->faults[i];
	}
	c->scratch->n_faults = k;
	if (commit(c, getuid(), "(ttl expiry)", summary, err, sizeof(err)) == 0) {
		c->mc.faults_expired += n;
		logmsg("version %" PRIu64 ": %s", c->version, summary);
	} else {
		logmsg("fault expiry failed: %s", err);
	}
}

/* --- commands ------------------------------------------------------------ */

struct out {
	FILE *o, *e;
	char *obuf, *ebuf;
	size_t olen, elen;
	bool json;
};

static void
cmdline(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
}

static void
routes_list(struct ctl *c, struct out *o)
{
	const struct sl_tbl_hdr *h = sl_tbl_current(&c->tables);
	char m[512];
	uint32_t i, s;

	if (o->json) {
		fprintf(o->o, "{\"version\":%" PRIu64 ",\"generation\":%" PRIu64 ",\"routes\":[",
		        c->version, c->mc.generation);
		for (i = 0; h && i < h->n_routes; i++) {
			const struct sl_tbl_route *r = &sl_tbl_routes(h)[i];
			int di = sl_dyn_find_route(c->dyn, r->name);
			const struct sl_dyn_route *dr = di >= 0 ? &c->dyn->routes[di] : NULL;

			fprintf(o->o, "%s{\"name\":", i ? "," : "");
			json_str(o->o, r->name);
			fprintf(o->o, ",\"id\":%u,\"priority\":%d,\"default\":%s,\"match\":", r->id,
			        r->priority, r->flags & SL_TBL_R_DEFAULT ? "true" : "false");
			if (dr)
				sl_dyn_format_match(&dr->match, m, sizeof(m));
			else
				snprintf(m, sizeof(m), "*");
			json_str(o->o, m);
			fprintf(o->o, ",\"sinks\":[");
			for (s = 0; s < r->n_sinks; s++) {
				const struct sl_tbl_sink *sk = &sl_tbl_sinks(h)[r->first_sink + s];

				fprintf(o->o, "%s\"%.*s\"", s ? "," : "", (int)sk->str_len,
				        sl_tbl_str(h, sk->str_off));
			}
			fprintf(o->o, "],\"drop\":%s,\"sample\":%.6f,\"durability\":\"%s\","
			              "\"tenant_rate\":%u}",
			        r->flags & SL_TBL_R_DROP ? "true" : "false", r->sample_ppm / 1e6,
			        r->durability == SL_TBL_DUR_PERSISTED  ? "persisted"
			        : r->durability == SL_TBL_DUR_RECEIVED ? "received"
			                                               : "static",
			        r->tenant_rate);
		}
		fprintf(o->o, "]}\n");
		return;
	}
	fprintf(o->o, "version %" PRIu64 ", generation %" PRIu64 " (evaluation order)\n",
	        c->version, c->mc.generation);
	fprintf(o->o, "%-3s %-20s %8s %-40s %-10s %-7s %s\n", "#", "route", "priority", "match",
	        "durability", "sample", "action");
	for (i = 0; h && i < h->n_routes; i++) {
		const struct sl_tbl_route *r = &sl_tbl_routes(h)[i];
		int di = sl_dyn_find_route(c->dyn, r->name);
		char act[600];
		size_t used = 0;

		if (di >= 0 && !(r->flags & SL_TBL_R_DEFAULT && c->dyn->routes[di].is_default == 0 &&
		                 0))
			sl_dyn_format_match(&c->dyn->routes[di].match, m, sizeof(m));
		else
			snprintf(m, sizeof(m), "*");
		if (r->flags & SL_TBL_R_DEFAULT)
			snprintf(m, sizeof(m), "* (default)");
		if (r->flags & SL_TBL_R_DROP)
			snprintf(act, sizeof(act), "drop");
		else if (r->n_sinks == 0)
			snprintf(act, sizeof(act), "store.dir (static)");
		else
			for (s = 0; s < r->n_sinks && used < sizeof(act); s++) {
				const struct sl_tbl_sink *sk = &sl_tbl_sinks(h)[r->first_sink + s];

				used += (size_t)snprintf(act + used, sizeof(act) - used, "%s%.*s",
				                         s ? ", " : "", (int)sk->str_len,
				                         sl_tbl_str(h, sk->str_off));
			}
		fprintf(o->o, "%-3u %-20s %8d %-40s %-10s %-7g %s\n", i, r->name, r->priority, m,
		        r->durability == SL_TBL_DUR_PERSISTED  ? "persisted"
		        : r->durability == SL_TBL_DUR_RECEIVED ? "received"
		                                               : "static",
		        r->sample_ppm / 1e6, act);
	}
}

static void
faults_list(struct ctl *c, struct out *o)
{
	uint64_t now = sl_stats_now_ns();
	char m[512], a[128], left[32];
	uint32_t i;

	if (o->json)
		fprintf(o->o, "{\"version\":%" PRIu64 ",\"faults\":[", c->version);
	else
		fprintf(o->o, "%-20s %-36s %-24s %11s %10s\n", "fault", "match", "action",
		        "probability", "expires in");
	for (i = 0; i < c->dyn->n_faults; i++) {
		const struct sl_dyn_fault *f = &c->dyn->faults[i];
		uint64_t rem = f->expires_unix_ns > now ? f->expires_unix_ns - now : 0;

		sl_dyn_format_match(&f->match, m, sizeof(m));
		sl_dyn_format_fault_action(f, a, sizeof(a));
		sl_dyn_format_duration(rem / 1000000000ull * 1000000000ull, left, sizeof(left));
		if (o->json) {
			fprintf(o->o, "%s{\"name\":", i ? "," : "");
			json_str(o->o, f->name);
			fprintf(o->o, ",\"id\":%u,\"kind\":\"%s\",\"match\":",
			        sl_tbl_crc32c(0, f->name, strlen(f->name)),
			        sl_dyn_fault_kind_name(f->kind));
			json_str(o->o, m);
			fprintf(o->o, ",\"action\":");
			json_str(o->o, a);
			fprintf(o->o,
			        ",\"probability\":%g,\"status\":%u,\"retry_after_s\":%u,"
			        "\"delay_min_ms\":%.3f,\"delay_max_ms\":%.3f,\"rate\":%u,"
			        "\"partial\":%g,\"ttl_s\":%" PRIu64 ",\"expires_at\":%" PRIu64
			        ",\"expires_in_s\":%.0f}",
			        f->probability, f->status, f->retry_after_s, f->delay_min_ns / 1e6,
			        f->delay_max_ns / 1e6, f->rate, f->partial, (uint64_t)(f->ttl_ns / 1000000000ull),
			        (uint64_t)(f->expires_unix_ns / 1000000000ull), (double)rem / 1e9);
		} else {
			fprintf(o->o, "%-20s %-36s %-24s %11g %10s\n", f->name, m, a, f->probability,
			        left);
		}
	}
	if (o->json)
		fprintf(o->o, "]}\n");
	else if (c->dyn->n_faults == 0)
		fprintf(o->o, "(no faults)\n");
}

static int
load_version(struct ctl *c, uint64_t v, struct sl_dyn *d, char *err, size_t errlen)
{
	char path[PATH_BUF];

	version_path(c, v, path, sizeof(path));
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "no version %" PRIu64 " (versions 1..%" PRIu64 ")", v,
		         c->version);
		return -ENOENT;
	}
	return sl_dyn_load_file(d, path, sl_stats_now_ns(), err, errlen);
}

static int
parse_version(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);

	if (end == s || *end || x == 0)
		return -EINVAL;
	*v = x;
	return 0;
}

/* Write d to a temp file (for diff). */
static int
dump_tmp(const struct sl_dyn *d, char *path, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/sluice-control-diff.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -errno;
	}
	sl_dyn_write(f, d);
	fclose(f);
	return 0;
}

static int
cmd_config(struct ctl *c, int argc, char **argv, uid_t uid, const char *line, struct out *o)
{
	char err[SL_DYN_ERR_LEN], summary[256];
	uint64_t v;
	int rc;

	if (argc >= 1 && strcmp(argv[0], "show") == 0 && argc <= 2) {
		char *buf = NULL;
		size_t blen = 0;
		FILE *mf;
		struct sl_dyn *d = c->dyn;

		v = c->version;
		if (argc == 2) {
			if (parse_version(argv[1], &v) < 0) {
				fprintf(o->e, "config show: '%s' is not a version number\n", argv[1]);
				return RC_USAGE;
			}
			d = c->scratch;
			if (load_version(c, v, d, err, sizeof(err)) < 0) {
				fprintf(o->e, "config show: %s\n", err);
				return RC_FAIL;
			}
		}
		mf = open_memstream(&buf, &blen);
		if (mf == NULL)
			return RC_FAIL;
		sl_dyn_write(mf, d);
		fclose(mf);
		if (o->json) {
			fprintf(o->o, "{\"version\":%" PRIu64 ",\"running\":%" PRIu64
			              ",\"generation\":%" PRIu64 ",\"yaml\":",
			        v, c->version, c->mc.generation);
			json_str(o->o, buf);
			fprintf(o->o, "}\n");
		} else {
			fprintf(o->o, "# version %" PRIu64 "%s\n%s", v,
			        v == c->version ? " (running)" : "", buf);
		}
		free(buf);
		return RC_OK;
	}
	if (argc >= 1 && strcmp(argv[0], "diff") == 0 && argc <= 3) {
		char a[64], b[64], cmd[512], la[64], lb[64];
		struct sl_dyn *d2 = sl_dyn_new();
		FILE *p;
		char chunk[4096];
		size_t n;
		int st;

		if (d2 == NULL)
			return RC_FAIL;
		/* no args: running vs the conf file; A: version A vs running; A B */
		if (argc == 1) {
			rc = sl_dyn_load_file(d2, c->conf_path, sl_stats_now_ns(), err, sizeof(err));
			snprintf(la, sizeof(la), "version-%" PRIu64, c->version);
			snprintf(lb, sizeof(lb), "%s", "config-file");
			if (rc == 0) {
				dump_tmp(c->dyn, a, sizeof(a));
				dump_tmp(d2, b, sizeof(b));
			}
		} else {
			uint64_t va, vb = c->version;

			rc = parse_version(argv[1], &va);
			if (rc == 0 && argc == 3)
				rc = parse_version(argv[2], &vb);
			if (rc < 0) {
				fprintf(o->e, "config diff: expected version numbers\n");
				free(d2);
				return RC_USAGE;
			}
			snprintf(la, sizeof(la), "version-%" PRIu64, va);
			snprintf(lb, sizeof(lb), "version-%" PRIu64, vb);
			rc = load_version(c, va, d2, err, sizeof(err));
			if (rc == 0) {
				dump_tmp(d2, a, sizeof(a));
				rc = load_version(c, vb, d2, err, sizeof(err));
				if (rc == 0)
					dump_tmp(d2, b, sizeof(b));
				else
					unlink(a);
			}
		}
		free(d2);
		if (rc < 0) {
			fprintf(o->e, "config diff: %s\n", err);
			return RC_FAIL;
		}
		snprintf(cmd, sizeof(cmd), "diff -u --label %s --label %s %s %s", la, lb, a, b);
		p = popen(cmd, "r");
		if (o->json)
			fprintf(o->o, "{\"from\":\"%s\",\"to\":\"%s\",\"diff\":", la, lb);
		{
			char *buf = NULL;
			size_t blen = 0;
			FILE *mf = open_memstream(&buf, &blen);

			while (p && mf && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
				fwrite(chunk, 1, n, mf);
			if (mf)
				fclose(mf);
			st = p ? pclose(p) : -1;
			if (o->json) {
				json_str(o->o, buf ? buf : "");
				fprintf(o->o, ",\"same\":%s}\n", st == 0 ? "true" : "false");
			} else if (st == 0) {
				fprintf(o->o, "no differences between %s and %s\n", la, lb);
			} else {
				fputs(buf ? buf : "", o->o);
			}
			free(buf);
		}
		unlink(a);
		unlink(b);
		return RC_OK;
	}
	if (argc == 1 && strcmp(argv[0], "reload") == 0) {
		rc = sl_dyn_load_file(c->scratch, c->conf_path, sl_stats_now_ns(), err, sizeof(err));
		if (rc < 0) {
			fprintf(o->e, "config reload: %s\n", err);
			return RC_FAIL;
		}
		snprintf(summary, sizeof(summary), "reloaded %s: %u routes, %u faults, %u tenants",
		         c->conf_path, c->scratch->n_routes, c->scratch->n_faults,
		         c->scratch->n_tenants);
		goto commit;
	}
	if (argc == 2 && strcmp(argv[0], "rollback") == 0) {
		if (parse_version(argv[1], &v) < 0) {
			fprintf(o->e, "config rollback: '%s' is not a version number\n", argv[1]);
			return RC_USAGE;
		}
		rc = load_version(c, v, c->scratch, err, sizeof(err));
		if (rc < 0) {
			fprintf(o->e, "config rollback: %s\n", err);
			return RC_FAIL;
		}
		snprintf(summary, sizeof(summary), "rollback to version %" PRIu64, v);
		goto commit;
	}
	if (argc >= 1 && strcmp(argv[0], "history") == 0 && argc <= 2) {
		char path[PATH_BUF], linebuf[4096];
		FILE *f;
		bool first = true;

		snprintf(path, sizeof(path), "%s/audit.log", c->state);
		f = fopen(path, "r");
		if (o->json)
			fprintf(o->o, "[");
		while (f && fgets(linebuf, sizeof(linebuf), f)) {
			linebuf[strcspn(linebuf, "\n")] = '\0';
			if (o->json)
				fprintf(o->o, "%s%s", first ? "" : ",", linebuf);
			else
				fprintf(o->o, "%s\n", linebuf);
			first = false;
		}
		if (o->json)
			fprintf(o->o, "]\n");
		if (f)
			fclose(f);
		return RC_OK;
	}
	fprintf(o->e, "config: expected show [VERSION], diff [A [B]], reload, rollback VERSION or "
	              "history\n");
	return RC_USAGE;
commit:
	rc = commit(c, uid, line, summary, err, sizeof(err));
	if (rc < 0) {
		fprintf(o->e, "%s\n", err);
		return RC_FAIL;
	}
	if (o->json)
		fprintf(o->o, "{\"version\":%" PRIu64 ",\"generation\":%" PRIu64 ",\"summary\":",
		        c->version, c->mc.generation);
	if (o->json) {
		json_str(o->o, summary);
		fprintf(o->o, "}\n");
	} else {
		fprintf(o->o, "version %" PRIu64 ": %s\n", c->version, summary);
	}
	return RC_OK;
}

static int
changed(struct ctl *c, uid_t uid, const char *line, const char *summary, struct out *o)
{
	char err[SL_DYN_ERR_LEN];

	if (sl_dyn_validate(c->scratch, "(command)", err, sizeof(err)) < 0 ||
	    commit(c, uid, line, summary, err, sizeof(err)) < 0) {
		fprintf(o->e, "%s\n", err);
		return RC_FAIL;
	}
	if (o->json) {
		fprintf(o->o, "{\"version\":%" PRIu64 ",\"generation\":%" PRIu64 ",\"summary\":",
		        c->version, c->mc.generation);
		json_str(o->o, summary);
		fprintf(o->o, "}\n");
	} else {
		fprintf(o->o, "version %" PRIu64 ": %s\n", c->version, summary);
	}
	return RC_OK;
}

static int
cmd_routes(struct ctl *c, int argc, char **argv, uid_t uid, const char *line, struct out *o)
{
	char err[SL_DYN_ERR_LEN], summary[1024], m[512];
	int i;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		routes_list(c, o);
		return RC_OK;
	}
	if (argc >= 2 && strcmp(argv[0], "add") == 0) {
		struct sl_dyn_route r;

		if (sl_dyn_route_from_args(argc - 1, argv + 1, &r, err, sizeof(err)) < 0) {
			fprintf(o->e, "routes add: %s\n", err);
			return RC_USAGE;
		}
		if (sl_dyn_find_route(c->dyn, r.name) >= 0) {
			fprintf(o->e, "routes add: route %s exists (routes del %s first)\n", r.name,
			        r.name);
			return RC_FAIL;
		}
		if (c->dyn->n_routes == SL_TBL_MAX_ROUTES) {
			fprintf(o->e, "routes add: %d routes already\n", SL_TBL_MAX_ROUTES);
			return RC_FAIL;
		}
		memcpy(c->scratch, c->dyn, sizeof(*c->dyn));
		c->scratch->routes[c->scratch->n_routes++] = r;
		sl_dyn_format_match(&r.match, m, sizeof(m));
		snprintf(summary, sizeof(summary), "route %s added: %s -> %s (priority %d)", r.name, m,
		         r.drop ? "drop" : r.n_sinks ? r.sinks[0] : "store.dir", r.priority);
		return changed(c, uid, line, summary, o);
	}
	if (argc == 2 && strcmp(argv[0], "del") == 0) {
		i = sl_dyn_find_route(c->dyn, argv[1]);
		if (i < 0) {
			fprintf(o->e, "routes del: no route %s\n", argv[1]);
			return RC_FAIL;
		}
		memcpy(c->scratch, c->dyn, sizeof(*c->dyn));
		memmove(&c->scratch->routes[i], &c->scratch->routes[i + 1],
		        (c->scratch->n_routes - (uint32_t)i - 1) * sizeof(c->scratch->routes[0]));
		c->scratch->n_routes--;
		snprintf(summary, sizeof(summary), "route %s deleted", argv[1]);
		return changed(c, uid, line, summary, o);
	}
	fprintf(o->e, "routes: expected list, add NAME [OPTIONS], del NAME (test FILE runs in "
	              "sluicectl)\n");
	return RC_USAGE;
}

static int
cmd_faults(struct ctl *c, int argc, char **argv, uid_t uid, const char *line, struct out *o)
{
	char err[SL_DYN_ERR_LEN], summary[1024], m[512], a[128], ttl[32];
	int i;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		faults_list(c, o);
		return RC_OK;
	}
	if (argc >= 2 && strcmp(argv[0], "add") == 0) {
		struct sl_dyn_fault f;

		if (sl_dyn_fault_from_args(argc - 1, argv + 1, sl_stats_now_ns(), &f, err,
		                           sizeof(err)) < 0) {
			fprintf(o->e, "faults add: %s\n", err);
			return RC_USAGE;
		}
		if (sl_dyn_find_fault(c->dyn, f.name) >= 0) {
			fprintf(o->e, "faults add: fault %s exists (faults clear %s first)\n", f.name,
			        f.name);
			return RC_FAIL;
		}
		if (c->dyn->n_faults == SL_TBL_MAX_FAULTS) {
			fprintf(o->e, "faults add: %d faults already\n", SL_TBL_MAX_FAULTS);
			return RC_FAIL;
		}
		memcpy(c->scratch, c->dyn, sizeof(*c->dyn));
		c->scratch->faults[c->scratch->n_faults++] = f;
		sl_dyn_format_match(&f.match, m, sizeof(m));
		sl_dyn_format_fault_action(&f, a, sizeof(a));
		sl_dyn_format_duration(f.ttl_ns, ttl, sizeof(ttl));
		snprintf(summary, sizeof(summary), "fault %s added: %s on %s, probability %g, ttl %s",
		         f.name, a, m, f.probability, ttl);
		return changed(c, uid, line, summary, o);
	}
	if (argc == 2 && strcmp(argv[0], "clear") == 0) {
		memcpy(c->scratch, c->dyn, sizeof(*c->dyn));
		if (strcmp(argv[1], "--all") == 0) {
			snprintf(summary, sizeof(summary), "all %u faults cleared", c->dyn->n_faults);
			c->scratch->n_faults = 0;
			return changed(c, uid, line, summary, o);
		}
		i = sl_dyn_find_fault(c->dyn, argv[1]);
		if (i < 0) {
			fprintf(o->e, "faults clear: no fault %s\n", argv[1]);
			return RC_FAIL;
		}
		memmove(&c->scratch->faults[i], &c->scratch->faults[i + 1],
		        (c->scratch->n_faults - (uint32_t)i - 1) * sizeof(c->scratch->faults[0]));
		c->scratch->n_faults--;
		snprintf(summary, sizeof(summary), "fault %s cleared", argv[1]);
		return changed(c, uid, line, summary, o);
	}
	fprintf(o->e, "faults: expected list, add NAME OPTIONS, clear NAME|--all\n");
	return RC_USAGE;
}

static int
cmd_status(struct ctl *c, struct out *o)
{
	const struct sl_tbl_hdr *h = sl_tbl_current(&c->tables);
	struct sl_tbl_region *r = c->tables.r;
	bool dp = r->dataplane_pid > 0 && kill(r->dataplane_pid, 0) == 0;

	if (o->json)
		fprintf(o->o,
		        "{\"instance\":\"%s\",\"pid\":%d,\"version\":%" PRIu64 ",\"generation\":%" PRIu64
		        ",\"crc32c\":\"%08x\",\"body_crc32c\":\"%08x\",\"image_bytes\":%u,\"routes\":%u,"
		        "\"faults\":%u,\"tables\":\"%s\",\"state_dir\":\"%s\",\"dataplane_reader\":%s,"
		        "\"dataplane_pid\":%d,\"dataplane_generation\":%" PRIu64 "}\n",
		        c->instance, getpid(), c->version, c->mc.generation, h ? h->crc32c : 0,
		        h ? h->body_crc32c : 0, h ? h->total_size : 0, c->dyn->n_routes,
		        c->dyn->n_faults, c->tables.path, c->state, dp ? "true" : "false",
		        r->dataplane_pid,
		        (uint64_t)__atomic_load_n(&r->dataplane_min_gen, __ATOMIC_RELAXED));
	else
		fprintf(o->o,
		        "sluice-control for %s: pid %d, version %" PRIu64 ", generation %" PRIu64
		        " (crc32c %08x, %u bytes), %u route(s), %u fault(s)\n"
		        "tables %s; state %s; dataplane %s (its cores on generation %" PRIu64 ")\n",
		        c->instance, getpid(), c->version, c->mc.generation, h ? h->crc32c : 0,
		        h ? h->total_size : 0, c->dyn->n_routes, c->dyn->n_faults, c->tables.path,
		        c->state, dp ? "attached" : "not attached to the tables",
		        (uint64_t)__atomic_load_n(&r->dataplane_min_gen, __ATOMIC_RELAXED));
	return RC_OK;
}

static int
dispatch(struct ctl *c, int argc, char **argv, uid_t uid, struct out *o)
{
	char line[2048];

	cmdline(argc, argv, line, sizeof(line));
	if (argc >= 1 && strcmp(argv[0], "routes") == 0)
		return cmd_routes(c, argc - 1, argv + 1, uid, line, o);
	if (argc >= 1 && strcmp(argv[0], "faults") == 0)
		return cmd_faults(c, argc - 1, argv + 1, uid, line, o);
	if (argc >= 1 && strcmp(argv[0], "config") == 0)
		return cmd_config(c, argc - 1, argv + 1, uid, line, o);
	if (argc == 1 && strcmp(argv[0], "control-status") == 0)
		return cmd_status(c, o);
	fprintf(o->e, "unknown command '%s'\n", argc ? argv[0] : "");
	return RC_USAGE;
}

/* --- peers --------------------------------------------------------------- */

/* Root, or a member (primary or supplementary) of the control group. */
static bool
peer_allowed(const struct ctl *c, uid_t uid, gid_t gid, char *why, size_t len)
{
	struct group *g;
	struct passwd *pw;
	gid_t groups[256];
	int n = 256;

	if (uid == 0)
		return true;
	pw = getpwuid(uid);
	g = getgrnam(c->group);
	if (g != NULL) {
		if (gid == g->gr_gid)
			return true;
		if (pw != NULL && getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) >= 0)
			for (int i = 0; i < n; i++)
				if (groups[i] == g->gr_gid)
					return true;
	}
	snprintf(why, len,
	         "permission denied: uid %u (%s) is neither root nor a member of group '%s'%s",
	         (unsigned)uid, pw ? pw->pw_name : "?", c->group,
	         g ? "" : " (the group does not exist: groupadd sluice)");
	return false;
}

static void
serve_ctl(struct ctl *c, int fd)
{
	static struct sl_ctl_req req;
	static char buf[SL_CTL_HDR_LEN + SL_CTL_MAX_REQ];
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = {.tv_sec = 2};
	struct out o = {0};
	size_t got = 0;
	long need = SL_CTL_HDR_LEN;
	char why[256];
	int code;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		return;
	while ((long)got < need) {
		ssize_t r = read(fd, buf + got, (size_t)need - got);

		if (r <= 0)
			return;
		got += (size_t)r;
		need = sl_ctl_req_need(buf, got);
		if (need < 0)
			return;
	}
	/*
	 * Checked after reading the request, so the refusal is an answer the
	 * client reads rather than a reset it may see as a broken pipe.
	 */
	if (!peer_allowed(c, cred.uid, cred.gid, why, sizeof(why))) {
		c->mc.requests_refused++;
		logmsg("refused control peer pid %d: %s", cred.pid, why);
		strncat(why, "\n", sizeof(why) - strlen(why) - 1);
		sl_ctl_write_resp(fd, RC_DENIED, NULL, 0, why, strlen(why));
		return;
	}
	if (sl_ctl_decode_req(buf, got, &req) < 0)
		return;
	o.json = req.flags & SL_CTL_F_JSON;
	o.o = open_memstream(&o.obuf, &o.olen);
	o.e = open_memstream(&o.ebuf, &o.elen);
	if (o.o == NULL || o.e == NULL)
		return;
	c->mc.requests++;
	code = dispatch(c, req.argc, req.argv, cred.uid, &o);
	fclose(o.o);
	fclose(o.e);
	sl_ctl_write_resp(fd, code, o.obuf, o.olen, o.ebuf, o.elen);
	free(o.obuf);
	free(o.ebuf);
}

/* --- HTTP ---------------------------------------------------------------- */

static void
http_reply(int fd, int status, const char *reason, const char *ctype, const char *body,
           size_t len)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, reason, ctype, len);

	if (send(fd, h, (size_t)n, MSG_NOSIGNAL) == n && len)
		(void)!send(fd, body, len, MSG_NOSIGNAL);
}

static void
serve_http(struct ctl *c, int fd)
{
	char req[8192], path[256];
	struct timeval tv = {.tv_sec = 2};
	size_t got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);

		if (r <= 0)
			return;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	if (sscanf(req, "GET %255s HTTP/1.", path) != 1) {
		http_reply(fd, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
		return;
	}
	path[strcspn(path, "?")] = '\0';
	if (strcmp(path, "/metrics") == 0) {
		struct sl_stats_map m;
		char *body = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);
		bool have = sl_stats_open(&m, c->instance) == 0;
		uint32_t active = 0;

		if (f == NULL)
			return;
		c->mc.scrapes++;
		for (uint32_t i = 0; i < c->dyn->n_faults; i++)
			active += c->dyn->faults[i].expires_unix_ns > sl_stats_now_ns();
		c->mc.faults = active;
		c->mc.routes = c->dyn->n_routes;
		sl_metrics_write(f, have ? &m : NULL, &c->mc);
		fclose(f);
		if (have)
			sl_stats_close(&m, false);
		http_reply(fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
		free(body);
	} else if (strcmp(path, "/healthz") == 0) {
		http_reply(fd, 200, "OK", "text/plain", "ok\n", 3);
	} else if (strcmp(path, "/readyz") == 0) {
		if (c->published_version == c->version && c->mc.generation > 0)
			http_reply(fd, 200, "OK", "text/plain", "ready\n", 6);
		else
			http_reply(fd, 503, "Service Unavailable", "text/plain",
			           "tables not published\n", 21);
	} else {
		http_reply(fd, 404, "Not Found", "text/plain", "not found\n", 10);
	}
}

/* --- setup ---------------------------------------------------------------- */

static int
open_http(const char *listen_addr)
{
	char host[64];
	const char *colon = strrchr(listen_addr, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd, one = 1;
	long port;

	if (colon == NULL || (size_t)(colon - listen_addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen_addr, (size_t)(colon - listen_addr));
	host[colon - listen_addr] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static int
open_ctl_socket(struct ctl *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[SL_PATH_LEN];
	char *slash;
	int fd;

	if (strlen(c->sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", c->sock_path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0755);
	}
	memcpy(sa.sun_path, c->sock_path, strlen(c->sock_path) + 1);
	/* A live daemon answers: refuse to steal its socket. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	unlink(c->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	/*
	 * World-connectable on purpose: the SO_PEERCRED check decides, and it
	 * can answer a refused user with a reason instead of a bare EACCES.
	 */
	chmod(c->sock_path, 0666);
	return fd;
}

static void
tick(struct ctl *c)
{
	struct sl_tbl_region *r = c->tables.r;
	int32_t dp = __atomic_load_n(&r->dataplane_pid, __ATOMIC_RELAXED);
	struct sl_stats_map m;

	__atomic_store_n(&r->control_heartbeat_ns, sl_stats_now_ns(), __ATOMIC_RELAXED);
	/* The stats region's pid shows a dataplane that does not (yet) read the tables. */
	if (dp <= 0 && sl_stats_open(&m, c->instance) == 0) {
		dp = sl_stats_hdr(&m)->pid;
		sl_stats_close(&m, false);
	}
	if (dp > 0 && dp != c->dp_pid_seen) {
		if (c->dp_pid_seen != 0)
			logmsg("dataplane pid %d (was %d): republishing", dp, c->dp_pid_seen);
		c->dp_pid_seen = dp;
		c->need_publish = true;
	}
	expire_faults(c);
	if (c->need_publish)
		publish(c);
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " [--config FILE] [--instance NAME] [--state-dir DIR] [--socket PATH]\n"
	        "                      [--listen HOST:PORT] [--group NAME]\n"
	        "Owns routes, faults, tenants and limits of a sluice instance, publishes them to\n"
	        "/dev/shm/sluice.<instance>.tables, serves sluicectl on a UNIX socket and /metrics,\n"
	        "/healthz, /readyz over HTTP. Options override the config's control.* keys.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},   {"instance", required_argument, NULL, 'i'},
	    {"state-dir", required_argument, NULL, 's'}, {"socket", required_argument, NULL, 'u'},
	    {"listen", required_argument, NULL, 'l'},   {"group", required_argument, NULL, 'g'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	static struct ctl c;
	const char *inst = NULL, *state_dir = NULL, *sock = NULL, *listen_addr = NULL, *grp = NULL;
	char err[SL_DYN_ERR_LEN];
	struct sigaction sa = {.sa_handler = on_signal};
	uint64_t next_tick = 0;
	int opt, rc;

	c.conf_path = "conf/sluice.yaml";
	while ((opt = getopt_long(argc, argv, "c:i:s:u:l:g:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': c.conf_path = optarg; break;
		case 'i': inst = optarg; break;
		case 's': state_dir = optarg; break;
		case 'u': sock = optarg; break;
		case 'l': listen_addr = optarg; break;
		case 'g': grp = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (sl_config_load(c.conf_path, &c.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	snprintf(c.instance, sizeof(c.instance), "%s", inst ? inst : c.cfg.dataplane.instance);
	snprintf(c.state, sizeof(c.state), "%s/%s", state_dir ? state_dir : c.cfg.control.state_dir,
	         c.instance);
	if (sock)
		snprintf(c.sock_path, sizeof(c.sock_path), "%s", sock);
	else if (c.cfg.control.socket[0])
		snprintf(c.sock_path, sizeof(c.sock_path), "%s", c.cfg.control.socket);
	else
		snprintf(c.sock_path, sizeof(c.sock_path), "/run/sluice/%s/control.sock", c.instance);
	snprintf(c.listen, sizeof(c.listen), "%s", listen_addr ? listen_addr : c.cfg.control.listen);
	snprintf(c.group, sizeof(c.group), "%s", grp ? grp : c.cfg.control.group);
	c.dyn = sl_dyn_new();
	c.scratch = sl_dyn_new();
	c.img = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	if (c.dyn == NULL || c.scratch == NULL || c.img == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	{
		char vdir[PATH_BUF];

		snprintf(vdir, sizeof(vdir), "%s/versions", c.state);
		rc = mkdir_p(vdir, 0750);
		if (rc < 0) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", vdir, strerror(-rc));
			return 1;
		}
	}
	c.mc.start_unix_ns = sl_stats_now_ns();
	c.version = latest_version(&c);
	if (c.version > 0) {
		rc = load_version(&c, c.version, c.dyn, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
		logmsg("state %s: resuming at version %" PRIu64, c.state, c.version);
	} else {
		rc = sl_dyn_load_file(c.scratch, c.conf_path, sl_stats_now_ns(), err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
		rc = write_version(&c, c.scratch, 1, "initial: the config file's dynamic sections");
		if (rc < 0) {
			fprintf(stderr, PROG ": cannot write version 1 in %s: %s\n", c.state,
			        strerror(-rc));
			return 1;
		}
		c.version = 1;
		memcpy(c.dyn, c.scratch, sizeof(*c.dyn));
		audit(&c, 1, getuid(), "(start)", "initial: the config file's dynamic sections");
	}
	rc = sl_tbl_region_open_writer(&c.tables, c.instance);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot open the tables region: %s\n", strerror(-rc));
		return 1;
	}
	c.tables.r->control_pid = getpid();
	c.tables.r->control_state = 1;
	c.tables.r->control_start_ns = c.mc.start_unix_ns;
	c.sock_fd = open_ctl_socket(&c);
	if (c.sock_fd < 0) {
		fprintf(stderr, PROG ": control socket %s: %s\n", c.sock_path,
		        c.sock_fd == -EADDRINUSE ? "another sluice-control answers there"
		                                 : strerror(-c.sock_fd));
		return 1;
	}
	c.http_fd = open_http(c.listen);
	if (c.http_fd < 0) {
		fprintf(stderr, PROG ": management address %s: %s\n", c.listen, strerror(-c.http_fd));
		unlink(c.sock_path);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	publish(&c);
	logmsg("instance %s: version %" PRIu64 ", socket %s, http %s, tables %s", c.instance,
	       c.version, c.sock_path, c.listen, c.tables.path);
	while (!stop) {
		struct pollfd pf[2] = {{.fd = c.sock_fd, .events = POLLIN},
		                       {.fd = c.http_fd, .events = POLLIN}};
		uint64_t now = sl_stats_now_ns() / 1000000;
		int wait = next_tick > now ? (int)(next_tick - now) : 0;

		if (poll(pf, 2, wait) < 0 && errno != EINTR)
			break;
		if (hup) {
			char *args[] = {"config", "reload", NULL};
			struct out o = {0};

			hup = 0;
			o.o = open_memstream(&o.obuf, &o.olen);
			o.e = open_memstream(&o.ebuf, &o.elen);
			if (o.o && o.e) {
				dispatch(&c, 2, args, getuid(), &o);
				fclose(o.o);
				fclose(o.e);
				logmsg("SIGHUP: %s%s", o.obuf, o.ebuf);
			}
			free(o.obuf);
			free(o.ebuf);
		}
		for (int i = 0; i < 2; i++) {
			int fd;

			if (!(pf[i].revents & POLLIN))
				continue;
			fd = accept4(pf[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			if (i == 0)
				serve_ctl(&c, fd);
			else
				serve_http(&c, fd);
			close(fd);
		}
		now = sl_stats_now_ns() / 1000000;
		if (now >= next_tick) {
			tick(&c);
			next_tick = now + c.cfg.control.heartbeat_ms;
		}
	}
	logmsg("stopping (the dataplane keeps generation %" PRIu64 ")", c.mc.generation);
	c.tables.r->control_state = 2;
	unlink(c.sock_path);
	close(c.sock_fd);
	close(c.http_fd);
	sl_tbl_region_close(&c.tables);
	free(c.dyn);
	free(c.scratch);
	free(c.img);
	return 0;
}
