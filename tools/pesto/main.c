// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - pesto: show and change the forwarding rules of a running passt
 *	    or pasta through its control socket (-c/--conf-path)
 *
 * Theory of operation: the command line is upstream's (compat.md 5.3). We
 * connect, read the server's hello and tables (ctl/wire.c checks every
 * byte), then, for a change, apply the commands to a copy of the tables in
 * order: without -A or -D, the first -t/-u of the command replaces the HOST
 * table and the first -T/-U the SPLICE table, later ones adding to the
 * replacement; -A adds the rules of the following specs, -D removes them
 * (each must be present exactly), -C empties a table. Specs are parsed by
 * fwd_spec_parse() with a context made from the table's capability bits, so
 * they are refused here as the server would. The tables that changed are
 * sent in one update; the server answers nothing, applies the whole update
 * or nothing, and closes. We then reconnect and compare the tables it
 * shows with what we sent: equal is success (this works with upstream's
 * server too). Otherwise we ask for the reason with our extension
 * (CTL_REQ_LAST_CHANGE); upstream's server closes instead, and we say the
 * server gave no reason.
 *
 * Our other options (no clash with upstream's): --json and --prometheus
 * print the raw answer of CTL_REQ_FLOWS_JSON and CTL_REQ_PROMETHEUS;
 * --flows and --counters read the Prometheus text, line by line, and print
 * the flows as a table (like ss) or the global counters.
 *
 * Sandbox: the server's bytes are untrusted. The ephemeral port range is
 * read and the socket connected first; then the seccomp profile
 * SANDBOX_PESTO (os/sandbox.c) allows reading, writing, polling, and
 * connecting new AF_UNIX stream sockets (the reconnection), nothing else.
 * Nothing is allocated after that: stdout has a static buffer, every buffer
 * is static and bounded. Each wait for the server is bounded by
 * PESTO_TIMEOUT_MS. Exit status: 0 on success, 1 on any error, with one line
 * on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "ctl/wire.h"
#include "os/sandbox.h"
#include "prom.h"

#define PESTO_TIMEOUT_MS 10000
#define PESTO_CMDS_MAX	 1024
#define PESTO_REASON_MAX 1024
#define PESTO_CHUNK	 65536

/**
 * enum pesto_cmd_kind - One step of a change
 * @CMD_ADD:	-A: following specs add rules
 * @CMD_DEL:	-D: following specs remove rules
 * @CMD_CLEAR:	-C PIF: empty a table
 * @CMD_SPEC:	-t, -u, -T or -U SPEC
 */
enum pesto_cmd_kind {
	CMD_ADD,
	CMD_DEL,
	CMD_CLEAR,
	CMD_SPEC,
};

/**
 * struct pesto_cmd - A command line step
 * @kind:	enum pesto_cmd_kind
 * @opt:	Option letter of a spec: 't', 'u', 'T' or 'U'
 * @arg:	Spec, or PIF name for -C
 */
struct pesto_cmd {
	enum pesto_cmd_kind kind;
	char opt;
	const char *arg;
};

/**
 * struct pesto_opts - What the command line asks for
 * @debug:	-d: say what is exchanged, on stderr
 * @show:	-s: print the tables before and after a change
 * @req:	Our requests to make, bit (1 << enum ctl_req)
 * @cmds:	Change steps, in order
 * @ncmds:	Number of steps
 * @path:	Control socket
 */
struct pesto_opts {
	bool debug;
	bool show;
	uint32_t req;
	struct pesto_cmd cmds[PESTO_CMDS_MAX];
	int ncmds;
	const char *path;
};

/* Request bits of our own options besides the raw ones */
#define REQ_FLOWS_TABLE (1U << 8)
#define REQ_COUNTERS	(1U << 9)

static struct pesto_opts opts;
static struct ctl_table srv[CTL_MAX_TABLES], work[CTL_MAX_TABLES],
	after[CTL_MAX_TABLES];
static uint8_t rbuf[CTL_SERVER_MAX];
static uint8_t wbuf[CTL_UPDATE_MAX];
static char outbuf[BUFSIZ * 4];
static struct fwd_table scratch;
static int first_fd = -1;
static uint16_t eph_first = FWD_EPHEMERAL_FIRST, eph_last = FWD_EPHEMERAL_LAST;

/**
 * die() - Print one line on stderr and exit with status 1
 * @fmt:	printf() format
 */
__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("pesto: ", stderr);
	va_start(ap, fmt);
	/* clang-analyzer 14 misses the va_start() above: false positive */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/**
 * debug() - Print a line on stderr with -d
 * @fmt:	printf() format
 */
__attribute__((format(printf, 1, 2))) static void debug(const char *fmt, ...)
{
	va_list ap;

	if (!opts.debug)
		return;
	fputs("pesto: ", stderr);
	va_start(ap, fmt);
	/* clang-analyzer 14 misses the va_start() above: false positive */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/**
 * usage() - Print usage
 * @f:		Stream
 * @name:	Program name
 */
static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"Usage: %s [OPTION]... PATH\n"
		"Show or change the port forwarding of a running passt or pasta\n"
		"through its control socket PATH (-c, --conf-path).\n"
		"\n"
		"  -d, --debug          say what is sent and received, on stderr\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n"
		"  -s, --show           print the tables before and after a "
		"change\n"
		"  -A, --add            the following specs add rules\n"
		"  -D, --delete         the following specs remove rules\n"
		"  -C, --clear PIF      remove every rule of table PIF (HOST or "
		"SPLICE)\n"
		"  -t, --tcp-ports SPEC     inbound TCP rules (table HOST)\n"
		"  -u, --udp-ports SPEC     inbound UDP rules (table HOST)\n"
		"  -T, --tcp-ns SPEC        outbound TCP rules (table SPLICE, "
		"pasta)\n"
		"  -U, --udp-ns SPEC        outbound UDP rules (table SPLICE, "
		"pasta)\n"
		"\n"
		"Without -A or -D, the first -t/-u replaces the HOST table and "
		"the first\n"
		"-T/-U the SPLICE table. SPEC as for passt(1) and pasta(1). "
		"Without any\n"
		"change, the tables are printed.\n"
		"\n"
		"Options of this implementation (not in upstream's pesto; they "
		"need a\n"
		"server of this implementation):\n"
		"      --flows          print every flow: type, state, both "
		"sides, age,\n"
		"                       idle time, bytes and packets each way\n"
		"      --json           print the flows and counters as JSON\n"
		"      --counters       print the global counters\n"
		"      --prometheus     print everything in the Prometheus text "
		"format\n",
		name);
}

/**
 * now_ms() - Monotonic time, signed for differences
 *
 * Return: clock_ms()
 */
static int64_t now_ms(void)
{
	return (int64_t)clock_ms();
}

/**
 * pesto_wait() - Wait for a socket to be ready, until a deadline
 * @fd:		Socket
 * @events:	POLLIN or POLLOUT
 * @deadline:	now_ms() value to give up at
 */
static void pesto_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int rc;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			die("no answer from the server within %d s",
			    PESTO_TIMEOUT_MS / 1000);
		rc = poll(&p, 1, (int)left);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		die("poll: %s", strerror(errno));
	if (!rc)
		die("no answer from the server within %d s",
		    PESTO_TIMEOUT_MS / 1000);
}

/**
 * pesto_read() - Read what is there, waiting up to a deadline
 * @fd:		Socket
 * @buf:	Buffer
 * @len:	Room in it, not 0
 * @deadline:	now_ms() value to give up at
 *
 * Return: bytes read, 0 at end of stream (exits on errors and time-out)
 */
static size_t pesto_read(int fd, void *buf, size_t len, int64_t deadline)
{
	ssize_t n;

	for (;;) {
		pesto_wait(fd, POLLIN, deadline);
		n = read(fd, buf, len);
		if (n >= 0)
			return (size_t)n;
		if (errno == ECONNRESET)
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			die("read: %s", strerror(errno));
	}
}

/**
 * pesto_write() - Write everything, waiting up to a deadline
 * @fd:		Socket
 * @buf:	Data
 * @len:	Its length
 *
 * Return: 0, -EPIPE if the server closed the connection (other errors and
 *	   time-outs exit)
 */
static int pesto_write(int fd, const void *buf, size_t len)
{
	int64_t deadline = now_ms() + PESTO_TIMEOUT_MS;
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		pesto_wait(fd, POLLOUT, deadline);
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return -EPIPE;
		if (n < 0)
			die("send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * pesto_connect() - Connect to the control socket
 * @path:	Its path
 *
 * Return: connected socket (exits on failure)
 */
static int pesto_connect(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	int s;

	if (len >= sizeof(a.sun_path))
		die("socket path too long: %s", path);
	memcpy(a.sun_path, path, len + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("can't connect to %s: %s", path, strerror(errno));
	debug("connected to %s", path);
	return s;
}

/**
 * pesto_conn() - The connection made before the sandbox, or a new one
 *
 * Return: connected socket
 */
static int pesto_conn(void)
{
	int fd = first_fd;

	if (fd < 0)
		return pesto_connect(opts.path);
	first_fd = -1;
	return fd;
}

/**
 * pesto_tables() - Read and check the hello and the tables of a server
 * @fd:		Connected socket
 * @tbl:	Tables, set
 *
 * Return: number of tables (exits on invalid input, end of stream or
 *	   time-out)
 */
static int pesto_tables(int fd, struct ctl_table *tbl)
{
	int64_t deadline = now_ms() + PESTO_TIMEOUT_MS;
	char err[FWD_ERR_LEN] = "";
	size_t len = 0, n;
	struct pview v;
	int rc, nt;

	for (;;) {
		if (len == sizeof(rbuf))
			die("invalid data from the server: too long");
		n = pesto_read(fd, rbuf + len, sizeof(rbuf) - len, deadline);
		if (!n)
			die("the server closed the connection%s%s",
			    len ? ": " : " before its hello",
			    len ? err : "");
		len += n;
		v = pview_make(rbuf, len);
		rc = ctl_server_parse(&v, tbl, CTL_MAX_TABLES, &nt, err,
				      sizeof(err));
		if (rc == -EAGAIN)
			continue;
		if (rc)
			die("invalid data from the server: %s", err);
		if (v.len)
			die("invalid data from the server: %zu bytes after "
			    "the tables", v.len);
		debug("read hello and %d tables, %zu bytes", nt, len);
		return nt;
	}
}

/**
 * pesto_print() - Print tables in upstream's format (compat.md 5.2)
 * @tbl:	Tables
 * @n:		Number of them
 */
static void pesto_print(const struct ctl_table *tbl, int n)
{
	char buf[FWD_RULE_STRLEN];
	int i, j;

	for (i = 0; i < n; i++) {
		if (tbl[i].pif == CTL_PIF_HOST)
			printf("Inbound forwarding rules (HOST):\n");
		else
			printf("Outbound forwarding rules (SPLICE):\n");
		for (j = 0; j < tbl[i].t.n; j++) {
			fwd_rule_fmt(&tbl[i].t.rules[j], buf, sizeof(buf));
			printf("    %s\n", buf);
		}
	}
	fflush(stdout);
}

/**
 * pesto_find() - Index of the table of a pif
 * @tbl:	Tables
 * @n:		Number of them
 * @pif:	enum ctl_pif
 *
 * Return: index, -1 if the server has no such table
 */
static int pesto_find(const struct ctl_table *tbl, int n, uint8_t pif)
{
	int i;

	for (i = 0; i < n; i++) {
		if (tbl[i].pif == pif)
			return i;
	}
	return -1;
}

/**
 * pesto_ctx() - Parse context for a spec option on a table
 * @t:		Table
 * @opt:	Option letter: 't', 'u', 'T' or 'U'
 * @c:		Context, set
 */
static void pesto_ctx(const struct ctl_table *t, char opt,
		      struct fwd_parse_ctx *c)
{
	static const char *const names[] = {"-t", "-u", "-T", "-U"};
	bool udp = opt == 'u' || opt == 'U';
	uint32_t need = udp ? CTL_CAP_UDP : CTL_CAP_TCP;

	memset(c, 0, sizeof(*c));
	c->optname = names[(opt == 'T' || opt == 'U') * 2 + udp];
	c->proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	c->v4 = t->caps & CTL_CAP_IPV4;
	c->v6 = t->caps & CTL_CAP_IPV6;
	c->pasta = t->caps & CTL_CAP_SCAN;
	c->outbound = t->pif == CTL_PIF_SPLICE;
	c->no_bindtodevice = !(t->caps & CTL_CAP_IFNAME);
	c->eph_first = eph_first;
	c->eph_last = eph_last;
	if (!(t->caps & need))
		die("%s: the server doesn't forward %s", c->optname,
		    udp ? "UDP" : "TCP");
	if (!c->v4 && !c->v6)
		die("%s: table %s has no IP version enabled", c->optname,
		    t->name);
}

/**
 * pesto_delete() - Remove the rules a spec makes from a table
 * @t:		Table
 * @c:		Parse context
 * @spec:	Spec
 */
static void pesto_delete(struct fwd_table *t, const struct fwd_parse_ctx *c,
			 const char *spec)
{
	char err[FWD_ERR_LEN], buf[FWD_RULE_STRLEN];
	int i, j;

	fwd_table_init(&scratch);
	if (fwd_spec_parse(&scratch, c, spec, err, sizeof(err)))
		die("%s", err);
	for (i = 0; i < scratch.n; i++) {
		for (j = 0; j < t->n; j++) {
			if (ctl_rule_equal(&scratch.rules[i], &t->rules[j]))
				break;
		}
		if (j == t->n) {
			fwd_rule_fmt(&scratch.rules[i], buf, sizeof(buf));
			die("-D %s %s: no such rule: %s", c->optname, spec,
			    buf);
		}
		memmove(&t->rules[j], &t->rules[j + 1],
			(size_t)(t->n - j - 1) * sizeof(t->rules[0]));
		t->n--;
	}
}

/**
 * pesto_apply() - Apply the command line's steps to the working tables
 * @n:		Number of tables
 * @touched:	Per table, set if a step changed it
 *
 * Return: true if any table was touched
 */
static bool pesto_apply(int n, bool *touched)
{
	bool replaced[CTL_MAX_TABLES] = {false}, any = false;
	enum pesto_cmd_kind mode = CMD_SPEC;
	char err[FWD_ERR_LEN];
	int k, i;

	for (k = 0; k < opts.ncmds; k++) {
		const struct pesto_cmd *cmd = &opts.cmds[k];
		struct fwd_parse_ctx c;
		uint8_t pif;

		if (cmd->kind == CMD_ADD || cmd->kind == CMD_DEL) {
			mode = cmd->kind;
			continue;
		}
		if (cmd->kind == CMD_CLEAR) {
			pif = !strcasecmp(cmd->arg, "HOST") ? CTL_PIF_HOST
			      : !strcasecmp(cmd->arg, "SPLICE")
				      ? CTL_PIF_SPLICE
				      : CTL_PIF_END;
			if (pif == CTL_PIF_END)
				die("-C %s: unknown table (HOST or SPLICE)",
				    cmd->arg);
		} else {
			pif = (cmd->opt == 't' || cmd->opt == 'u')
				      ? CTL_PIF_HOST
				      : CTL_PIF_SPLICE;
		}
		i = pesto_find(work, n, pif);
		if (i < 0)
			die("the server has no %s table%s", ctl_pif_name(pif),
			    pif == CTL_PIF_SPLICE ? " (pasta only)" : "");
		touched[i] = any = true;
		if (cmd->kind == CMD_CLEAR) {
			fwd_table_init(&work[i].t);
			continue;
		}
		pesto_ctx(&work[i], cmd->opt, &c);
		if (mode == CMD_SPEC && !replaced[i]) {
			fwd_table_init(&work[i].t);
			replaced[i] = true;
		}
		if (mode == CMD_DEL) {
			pesto_delete(&work[i].t, &c, cmd->arg);
			continue;
		}
		if (fwd_spec_parse(&work[i].t, &c, cmd->arg, err, sizeof(err)))
			die("%s", err);
	}
	return any;
}

/**
 * pesto_reason() - Ask the server why the last change didn't happen
 * @fd:		Connection, after the tables were read
 * @buf:	Buffer for the reason
 * @len:	Its size
 *
 * Return: true if the server gave a reason
 */
static bool pesto_reason(int fd, char *buf, size_t len)
{
	int64_t deadline = now_ms() + PESTO_TIMEOUT_MS;
	uint8_t req[CTL_REQ_LEN], hdr[CTL_ANS_HDR_LEN];
	uint32_t status, length;
	size_t got = 0, n, i;
	struct pview v;

	ctl_req_put(req, sizeof(req), CTL_REQ_LAST_CHANGE);
	if (pesto_write(fd, req, sizeof(req)))
		return false;
	while (got < sizeof(hdr)) {
		n = pesto_read(fd, hdr + got, sizeof(hdr) - got, deadline);
		if (!n)
			return false;
		got += n;
	}
	v = pview_make(hdr, sizeof(hdr));
	if (ctl_ans_hdr_parse(&v, &status, &length) || status)
		return false;
	if (length > len - 1)
		length = (uint32_t)(len - 1);
	for (got = 0; got < length; got += n) {
		n = pesto_read(fd, buf + got, length - got, deadline);
		if (!n)
			break;
	}
	buf[got] = '\0';
	for (i = 0; i < got; i++) {
		if (buf[i] == '\n' || (unsigned char)buf[i] < ' ')
			buf[i] = buf[i] == '\n' && i == got - 1 ? '\0' : ' ';
	}
	return got > 0;
}

/**
 * pesto_change() - Send the changed tables, check they are in force
 * @fd:		Connection, after the tables were read
 * @n:		Number of tables
 * @touched:	Per table, set if it is sent
 */
static void pesto_change(int fd, int n, const bool *touched)
{
	static struct ctl_table send_tbl[CTL_MAX_TABLES];
	char reason[PESTO_REASON_MAX];
	int i, j, ns = 0, na;
	int64_t deadline;
	size_t len;

	for (i = 0; i < n; i++) {
		if (touched[i])
			send_tbl[ns++] = work[i];
	}
	len = ctl_update_put(wbuf, sizeof(wbuf), send_tbl, ns);
	if (!len)
		die("update too large");
	/* a server refusing early may close before reading it all: then
	 * only the tables in force tell, as always
	 */
	if (!pesto_write(fd, wbuf, len)) {
		if (shutdown(fd, SHUT_WR) && errno != ENOTCONN)
			die("shutdown: %s", strerror(errno));
		debug("sent %d tables, %zu bytes", ns, len);

		/* the server sends nothing, applies or refuses, and closes */
		deadline = now_ms() + PESTO_TIMEOUT_MS;
		while (pesto_read(fd, rbuf, sizeof(rbuf), deadline))
			;
	}
	close(fd);

	fd = pesto_connect(opts.path);
	na = pesto_tables(fd, after);
	for (i = 0; i < ns; i++) {
		j = pesto_find(after, na, send_tbl[i].pif);
		if (j < 0 || !ctl_tables_equal(&send_tbl[i], 1, &after[j], 1))
			break;
	}
	if (i < ns) {
		if (pesto_reason(fd, reason, sizeof(reason)))
			die("the change was refused: %s", reason);
		die("the change was not applied (the server gave no reason)");
	}
	close(fd);
	debug("the server shows the tables sent");
	if (opts.show)
		pesto_print(after, na);
}

/**
 * pesto_request() - Make one request of our extension on a new connection
 * @req:	enum ctl_req
 * @prom:	Line parser for the text, NULL to copy it to stdout
 */
static void pesto_request(uint32_t req, struct prom_parser *prom)
{
	static uint8_t chunk[PESTO_CHUNK];
	int fd = pesto_conn();
	uint8_t hdr[CTL_ANS_HDR_LEN];
	uint32_t status, length;
	size_t got = 0, n, want;
	int64_t deadline;
	struct pview v;
	int rc;

	pesto_tables(fd, srv);
	ctl_req_put(hdr, sizeof(hdr), req);
	if (pesto_write(fd, hdr, CTL_REQ_LEN))
		die("the server doesn't support this request (an upstream "
		    "passt or pasta?)");
	deadline = now_ms() + PESTO_TIMEOUT_MS;
	while (got < sizeof(hdr)) {
		n = pesto_read(fd, hdr + got, sizeof(hdr) - got, deadline);
		if (!n)
			die("the server doesn't support this request (an "
			    "upstream passt or pasta?)");
		got += n;
	}
	v = pview_make(hdr, sizeof(hdr));
	rc = ctl_ans_hdr_parse(&v, &status, &length);
	if (rc == -E2BIG)
		die("invalid answer from the server: length %u", length);
	if (rc)
		die("invalid answer from the server");
	/* strerror() allocates for numbers it doesn't know */
	if (status)
		die("the server refused the request: %s (error %u)",
		    status <= EHWPOISON ? strerror((int)status) : "unknown",
		    status);
	debug("answer of %u bytes", length);
	for (got = 0; got < length; got += n) {
		want = length - got < sizeof(chunk) ? length - got
						     : sizeof(chunk);
		deadline = now_ms() + PESTO_TIMEOUT_MS;
		n = pesto_read(fd, chunk, want, deadline);
		if (!n)
			die("the server closed the connection after %zu of "
			    "%u bytes", got, length);
		if (prom)
			prom_feed(prom, (const char *)chunk, n);
		else if (fwrite(chunk, 1, n, stdout) != n)
			die("write: %s", strerror(errno));
	}
	close(fd);
	if (prom)
		prom_feed(prom, "\n", 1);
	fflush(stdout);
}

/**
 * pesto_parse_args() - Parse the command line into opts
 * @argc:	Argument count
 * @argv:	Arguments
 */
static void pesto_parse_args(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_FLOWS, OPT_JSON, OPT_COUNTERS,
	       OPT_PROM };
	static const struct option lo[] = {
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"show", no_argument, NULL, 's'},
		{"add", no_argument, NULL, 'A'},
		{"delete", no_argument, NULL, 'D'},
		{"clear", required_argument, NULL, 'C'},
		{"tcp-ports", required_argument, NULL, 't'},
		{"udp-ports", required_argument, NULL, 'u'},
		{"tcp-ns", required_argument, NULL, 'T'},
		{"udp-ns", required_argument, NULL, 'U'},
		{"flows", no_argument, NULL, OPT_FLOWS},
		{"json", no_argument, NULL, OPT_JSON},
		{"counters", no_argument, NULL, OPT_COUNTERS},
		{"prometheus", no_argument, NULL, OPT_PROM},
		{0},
	};
	int o;

	while ((o = getopt_long(argc, argv, "dhsADC:t:u:T:U:", lo, NULL)) !=
	       -1) {
		struct pesto_cmd *cmd = &opts.cmds[opts.ncmds];

		switch (o) {
		case 'd':
			opts.debug = true;
			continue;
		case 'h':
			usage(stdout, argv[0]);
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			printf("pesto %s\n", VERSION);
			exit(EXIT_SUCCESS);
		case 's':
			opts.show = true;
			continue;
		case OPT_FLOWS:
			opts.req |= REQ_FLOWS_TABLE;
			continue;
		case OPT_JSON:
			opts.req |= 1U << CTL_REQ_FLOWS_JSON;
			continue;
		case OPT_COUNTERS:
			opts.req |= REQ_COUNTERS;
			continue;
		case OPT_PROM:
			opts.req |= 1U << CTL_REQ_PROMETHEUS;
			continue;
		case 'A':
		case 'D':
		case 'C':
		case 't':
		case 'u':
		case 'T':
		case 'U':
			break;
		default:
			usage(stderr, argv[0]);
			exit(EXIT_FAILURE);
		}
		if (opts.ncmds == PESTO_CMDS_MAX)
			die("too many options");
		cmd->kind = o == 'A' ? CMD_ADD
			    : o == 'D' ? CMD_DEL
			    : o == 'C' ? CMD_CLEAR
				       : CMD_SPEC;
		cmd->opt = (char)o;
		cmd->arg = optarg;
		opts.ncmds++;
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		exit(EXIT_FAILURE);
	}
	opts.path = argv[optind];
}

/**
 * main() - Entry point
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 on success, 1 on failure
 */
int main(int argc, char **argv)
{
	bool touched[CTL_MAX_TABLES] = {false};
	static struct prom_parser prom;
	int fd, n;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (sandbox_drop_caps(false, false, false, true))
		die("can't drop capabilities");
	pesto_parse_args(argc, argv);

	/* before the sandbox: the ephemeral range, for "all" and "auto" */
	fwd_ephemeral_range(FWD_EPHEMERAL_PATH, &eph_first, &eph_last);
	first_fd = pesto_connect(opts.path);
	if (sandbox_seccomp(SANDBOX_PESTO))
		die("can't install the seccomp filter");

	if (opts.req) {
		if (opts.req & (1U << CTL_REQ_FLOWS_JSON))
			pesto_request(CTL_REQ_FLOWS_JSON, NULL);
		if (opts.req & (1U << CTL_REQ_PROMETHEUS))
			pesto_request(CTL_REQ_PROMETHEUS, NULL);
		if (opts.req & REQ_FLOWS_TABLE) {
			prom_init(&prom, PROM_FLOWS, NULL);
			pesto_request(CTL_REQ_PROMETHEUS, &prom);
			prom_print_flows(&prom, stdout);
		}
		if (opts.req & REQ_COUNTERS) {
			prom_init(&prom, PROM_COUNTERS, stdout);
			pesto_request(CTL_REQ_PROMETHEUS, &prom);
		}
		if (!opts.ncmds && !opts.show)
			return EXIT_SUCCESS;
	}

	fd = pesto_conn();
	n = pesto_tables(fd, srv);
	memcpy(work, srv, sizeof(work));
	if (!opts.ncmds || opts.show)
		pesto_print(srv, n);
	if (!opts.ncmds)
		return EXIT_SUCCESS;
	if (!pesto_apply(n, touched))
		return EXIT_SUCCESS;
	pesto_change(fd, n, touched);
	return EXIT_SUCCESS;
}
