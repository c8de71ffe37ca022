/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - logging to stderr, syslog or a size-capped file, with rate limits */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

/* Levels, most to least severe: match syslog's LOG_ERR..LOG_DEBUG order */
enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_TRACE,
};

/**
 * struct ratelimit - State of one rate-limited log site
 * @last:	Time (seconds, monotonic) of the current interval's start
 * @count:	Messages printed in the current interval
 * @dropped:	Messages suppressed in the current interval
 */
struct ratelimit {
	time_t last;
	unsigned int count;
	unsigned int dropped;
};

/* Messages per interval and interval length of log_*_rl() */
#define LOG_RL_BURST 5
#define LOG_RL_INTERVAL 10

void log_init(const char *ident);
void log_set_level(enum log_level max);
enum log_level log_get_level(void);
void log_to_stderr(bool on);
int log_open_file(const char *path, size_t max_size);
void log_to_syslog(bool on);
bool log_is_debug(void);

void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF_FMT(2, 3);
void log_err(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_warn(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_info(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_debug(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_trace(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_rl(struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
	PRINTF_FMT(3, 4);
void die(const char *fmt, ...) PRINTF_FMT(1, 2) NORETURN;
void die_perror(const char *what) NORETURN;

#endif /* BASE_LOG_H */
