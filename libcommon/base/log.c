// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - logging to stderr, syslog or a size-capped file, with rate limits
 *
 * Theory of operation: messages go to every sink that is switched on. Until
 * the tool says otherwise, that is stderr only, so errors while parsing
 * options always reach the user. A daemon then switches stderr off and
 * syslog on (LOG_DAEMON, ident "passt"/"pasta"), or opens a log file with -l:
 * the file is truncated at start-up and, when it reaches its size cap, the
 * oldest part (about 30%) is cut away, so a long-lived process never fills a
 * disk; stderr then only gets warnings and errors. Debug lines on stderr
 * carry a timestamp relative to log_init().
 * Under systemd, stderr may itself be the journal (JOURNAL_STREAM names its
 * device and inode, systemd.exec(5)): while it is written, syslog is left
 * out, so that each line reaches the journal once, and lines start with
 * their syslog priority ("<3>"), which journald takes as the line's level.
 * log_rl() is for the data path: at most LOG_RL_BURST messages per site and
 * LOG_RL_INTERVAL seconds, then one line saying how many were suppressed.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 1024

/**
 * struct log_state - Where messages go
 * @ident:	Program name for syslog and file header
 * @max:	Most verbose level printed
 * @to_stderr:	Print to stderr
 * @to_syslog:	Send to syslog
 * @journal:	stderr is systemd's journal: no syslog while stderr is on
 * @file_fd:	Log file descriptor, -1 if none
 * @file_size:	Current size of the log file
 * @file_max:	Cap on the log file size
 * @start:	Time of log_init(), for relative timestamps
 */
static struct log_state {
	const char *ident;
	enum log_level max;
	bool to_stderr;
	bool to_syslog;
	bool journal;
	int file_fd;
	size_t file_size;
	size_t file_max;
	struct timespec start;
} log_st = {
	.ident = "passt",
	.max = LOG_LVL_INFO,
	.to_stderr = true,
	.file_fd = -1,
};

static const int log_syslog_prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,     [LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,   [LOG_LVL_DEBUG] = LOG_DEBUG,
	[LOG_LVL_TRACE] = LOG_DEBUG,
};

/* The same as "<N>" line prefixes, which journald reads as the priority of
 * a line on stderr (SyslogLevelPrefix=, on by default)
 */
static const char *const log_journal_prio[] = {
	[LOG_LVL_ERR] = "<3>",	 [LOG_LVL_WARN] = "<4>",
	[LOG_LVL_INFO] = "<6>",	 [LOG_LVL_DEBUG] = "<7>",
	[LOG_LVL_TRACE] = "<7>",
};

/**
 * log_init() - Set the program name and the start time
 * @ident:	Program name (static storage)
 */
void log_init(const char *ident)
{
	log_st.ident = ident;
	clock_gettime(CLOCK_MONOTONIC, &log_st.start);
}

/**
 * log_set_level() - Set the most verbose level that is printed
 * @max:	Level
 */
void log_set_level(enum log_level max)
{
	log_st.max = max;
}

/**
 * log_get_level() - Get the most verbose level that is printed
 *
 * Return: level
 */
enum log_level log_get_level(void)
{
	return log_st.max;
}

/**
 * log_is_debug() - Tell whether debug messages are printed
 *
 * Return: true with -d or --trace
 */
bool log_is_debug(void)
{
	return log_st.max >= LOG_LVL_DEBUG;
}

/**
 * log_to_stderr() - Switch printing to stderr on or off
 * @on:		New state
 */
void log_to_stderr(bool on)
{
	log_st.to_stderr = on;
}

/**
 * log_stderr_is_journal() - Tell whether stderr is systemd's journal
 *
 * systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream that
 * stdout or stderr is connected to; it may be inherited from elsewhere, so
 * it only counts if it matches what our stderr is.
 *
 * Return: true if it is
 */
static bool log_stderr_is_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	dev = strtoull(s, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (errno || *end || fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/**
 * log_to_syslog() - Switch syslog on or off
 * @on:		New state
 *
 * The connection is made now, while /dev/log can be reached, even if
 * stderr is the journal: it is used once stderr is switched off.
 */
void log_to_syslog(bool on)
{
	if (on && !log_st.to_syslog)
		openlog(log_st.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_st.to_syslog = on;
	log_st.journal = on && log_stderr_is_journal();
}

/**
 * log_open_file() - Open (truncate) a log file, and log only there from now
 * @path:	File path
 * @max_size:	Size cap in bytes
 *
 * The first line says who writes: "NAME VERSION: EXECUTABLE (PID)".
 *
 * Return: 0 on success, -errno on failure
 */
int log_open_file(const char *path, size_t max_size)
{
	char head[LOG_LINE_MAX], exe[PATH_MAX];
	ssize_t exe_len;
	int fd, n;

	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	log_st.file_fd = fd;
	log_st.file_max = max_size;
	log_st.file_size = 0;
	log_st.to_syslog = false;

	exe_len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[exe_len > 0 ? exe_len : 0] = '\0';
	n = snprintf(head, sizeof(head), "%s %s: %s (%d)\n", log_st.ident,
		     VERSION, exe, (int)getpid());
	if (n > 0 && write(fd, head, (size_t)n) == n)
		log_st.file_size = (size_t)n;
	return 0;
}

/**
 * log_file_trim() - Cut the oldest ~30% of the log file, at a line boundary
 */
static void log_file_trim(void)
{
	static char buf[65536];
	size_t cut = log_st.file_size * 3 / 10, rd = cut, wr = 0;
	ssize_t n;

	/* Find the first line start after the cut point */
	while (pread(log_st.file_fd, buf, 1, (off_t)rd) == 1 && buf[0] != '\n')
		rd++;
	rd++;

	while ((n = pread(log_st.file_fd, buf, sizeof(buf), (off_t)rd)) > 0) {
		if (pwrite(log_st.file_fd, buf, (size_t)n, (off_t)wr) != n)
			break;
		rd += (size_t)n;
		wr += (size_t)n;
	}
	if (ftruncate(log_st.file_fd, (off_t)wr) == 0)
		log_st.file_size = wr;
	lseek(log_st.file_fd, 0, SEEK_END);
}

/**
 * log_file_write() - Append one line to the log file, trimming as needed
 * @line:	Line, with newline
 * @len:	Its length
 */
static void log_file_write(const char *line, size_t len)
{
	if (log_st.file_size + len > log_st.file_max)
		log_file_trim();
	if (write(log_st.file_fd, line, len) == (ssize_t)len)
		log_st.file_size += len;
}

/**
 * log_vmsg() - Format a message and send it to every active sink
 * @lvl:	Level
 * @fmt:	Format
 * @ap:		Arguments
 */
static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 32];
	struct timespec now;
	const char *prio;
	int n;

	if (lvl > log_st.max)
		return;

	/* Every caller va_start()s @ap; clang-analyzer 14 says otherwise when
	 * clock.c is analysed before this file in one clang-tidy run (as make
	 * lint does), not when this file is alone: false positive
	 */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(msg, sizeof(msg), fmt, ap);

	/* glibc formats a syslog line in a 1 KiB stack buffer and allocates
	 * beyond it: after the sandbox, an allocation kills us. With its
	 * header (time, name, PID), 960 characters of message fit.
	 */
	if (log_st.to_syslog && !(log_st.journal && log_st.to_stderr))
		syslog(log_syslog_prio[lvl], "%.960s", msg);

	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec -= log_st.start.tv_sec;
	if ((now.tv_nsec -= log_st.start.tv_nsec) < 0) {
		now.tv_sec--;
		now.tv_nsec += 1000000000L;
	}
	prio = log_st.journal ? log_journal_prio[lvl] : "";
	if (log_is_debug())
		n = snprintf(line, sizeof(line), "%s%lld.%04ld: %s\n", prio,
			     (long long)now.tv_sec, now.tv_nsec / 100000, msg);
	else
		n = snprintf(line, sizeof(line), "%s%s\n", prio, msg);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;

	if (log_st.file_fd >= 0)
		log_file_write(line, (size_t)n);
	/* With a log file, only warnings and errors still reach stderr */
	if (log_st.to_stderr && (log_st.file_fd < 0 || lvl <= LOG_LVL_WARN))
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

/**
 * log_msg() - Log a message at a given level
 * @lvl:	Level
 * @fmt:	Format
 */
void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, lvl)                                                      \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vmsg(lvl, fmt, ap);                                        \
		va_end(ap);                                                    \
	}

/* One definition each for log_err() ... log_trace(), see log.h */
LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_trace, LOG_LVL_TRACE)

/**
 * log_rl() - Log a message, at most LOG_RL_BURST times per interval per site
 * @rl:		State of this call site
 * @lvl:	Level
 * @fmt:	Format
 */
void log_rl(struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - rl->last >= LOG_RL_INTERVAL) {
		if (rl->dropped)
			log_msg(lvl, "(%u similar messages suppressed)",
				rl->dropped);
		rl->last = now.tv_sec;
		rl->count = 0;
		rl->dropped = 0;
	}
	if (rl->count >= LOG_RL_BURST) {
		rl->dropped++;
		return;
	}
	rl->count++;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/**
 * die() - Log an error and exit with status 1 (set-up only)
 * @fmt:	Format
 */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	_exit(EXIT_FAILURE);
}

/**
 * die_perror() - Log an error with strerror(errno) and exit with status 1
 * @what:	What failed
 */
void die_perror(const char *what)
{
	die("%s: %s", what, strerror(errno));
}
