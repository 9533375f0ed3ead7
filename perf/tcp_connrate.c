/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection-rate client for perf/tcp_bench.sh: short TCP connections to a discard listener. */

/*
 * Each thread keeps `concurrency / threads` connections in flight with
 * non-blocking sockets and epoll. One connection is the whole life of a
 * short client: connect, half-close (FIN), read the listener's reply to
 * EOF, close. The test discard listener answers "<bytes> <crc>\n" and
 * closes, so the appliance sees SYN, ACK, FIN and sends SYN-ACK, reply,
 * FIN: accept, app callbacks and teardown, all counted.
 *
 * Plain C with no dependency so tcp_bench.sh builds it with cc on the spot:
 * a Python client spends ~50 us of interpreter per connection and would
 * measure itself instead of the appliance.
 *
 * Usage: tcp_connrate HOST PORT SECONDS CONCURRENCY THREADS
 * Prints one JSON line: connections done, per second, errors by kind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Kinds of failure worth telling apart in the report. */
enum err { E_CONNECT, E_RESET, E_OTHER, E_MAX };
static const char *const err_names[E_MAX] = {"connect", "reset", "other"};

struct worker {
	pthread_t tid;
	unsigned inflight;
	uint64_t done;
	uint64_t errs[E_MAX];
	int first_errno;
};

static struct sockaddr_in dst;
static double deadline;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start one connection: a non-blocking connect registered for writability. */
static int
start_one(int ep)
{
	struct epoll_event ev = {.events = EPOLLOUT};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS) {
		int e = -errno;

		close(fd);
		return e;
	}
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return 0;
}

static void
fail(struct worker *w, int ep, int fd, enum err kind, int e)
{
	w->errs[kind]++;
	if (w->first_errno == 0)
		w->first_errno = e;
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[256];
	unsigned live = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0) {
		w->first_errno = errno;
		return NULL;
	}
	for (;;) {
		int n, i;

		while (live < w->inflight && now_s() < deadline) {
			int rc = start_one(ep);

			if (rc < 0) {
				w->errs[E_CONNECT]++;
				if (w->first_errno == 0)
					w->first_errno = -rc;
				break;
			}
			live++;
		}
		if (live == 0)
			break;
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, soerr = 0;
			socklen_t sl = sizeof(soerr);
			char buf[256];
			ssize_t r;

			if (evs[i].events & EPOLLOUT) {
				/* Connected (or failed): half-close, then wait for the reply. */
				struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
				                         .data.fd = fd};

				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				if (soerr != 0) {
					fail(w, ep, fd, E_CONNECT, soerr);
					live--;
					continue;
				}
				shutdown(fd, SHUT_WR);
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				continue;
			}
			for (;;) {
				r = read(fd, buf, sizeof(buf));
				if (r > 0)
					continue;
				break;
			}
			if (r == 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				w->done++;
				live--;
			} else if (errno != EAGAIN) {
				fail(w, ep, fd, errno == ECONNRESET ? E_RESET : E_OTHER, errno);
				live--;
			}
		}
	}
	close(ep);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct worker *w;
	unsigned conc, threads, i, k;
	double secs, t0, dt;
	uint64_t done = 0, errs[E_MAX] = {0};
	int first = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s HOST PORT SECONDS CONCURRENCY THREADS\n", argv[0]);
		return 2;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "%s: bad IPv4 address %s\n", argv[0], argv[1]);
		return 2;
	}
	secs = atof(argv[3]);
	conc = (unsigned)atoi(argv[4]);
	threads = (unsigned)atoi(argv[5]);
	if (secs <= 0 || conc == 0 || threads == 0 || threads > conc) {
		fprintf(stderr, "%s: need SECONDS > 0 and 1 <= THREADS <= CONCURRENCY\n", argv[0]);
		return 2;
	}
	w = calloc(threads, sizeof(*w));
	if (w == NULL)
		return 1;
	t0 = now_s();
	deadline = t0 + secs;
	for (i = 0; i < threads; i++) {
		w[i].inflight = conc / threads + (i < conc % threads);
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		done += w[i].done;
		for (k = 0; k < E_MAX; k++)
			errs[k] += w[i].errs[k];
		if (first == 0)
			first = w[i].first_errno;
	}
	dt = now_s() - t0;
	printf("{\"seconds\": %.3f, \"connections\": %llu, \"per_s\": %.1f, \"errors\": {", dt,
	       (unsigned long long)done, (double)done / dt);
	for (k = 0; k < E_MAX; k++)
		printf("%s\"%s\": %llu", k ? ", " : "", err_names[k], (unsigned long long)errs[k]);
	printf("}, \"first_error\": \"%s\"}\n", first ? strerror(first) : "");
	free(w);
	return errs[E_CONNECT] + errs[E_RESET] + errs[E_OTHER] > done / 100 ? 1 : 0;
}
