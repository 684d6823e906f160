/*
 * sipha_log.h: the thin logging layer every sipha program uses.
 *
 * Daemons log (syslog, or stderr when in the foreground); tools output.
 * One call sets the sink; the macros add the level.
 */
#ifndef SIPHA_LOG_H
#define SIPHA_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum sipha_log_sink {
    SIPHA_LOG_STDERR = 0,   /* foreground daemons, tools, tests */
    SIPHA_LOG_SYSLOG,       /* daemons, facility LOG_DAEMON */
};

/* Set the program name, the sink and the lowest priority that is written.
 * Safe to call again (e.g. on SIGHUP). */
void sipha_log_init(const char *ident, enum sipha_log_sink sink, int min_priority);

/* Raise or lower verbosity at run time: priority as in syslog(3). */
void sipha_log_set_priority(int min_priority);
bool sipha_log_enabled(int priority);

void sipha_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define sipha_err(fmt, ...)    sipha_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define sipha_warn(fmt, ...)   sipha_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define sipha_notice(fmt, ...) sipha_log(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define sipha_info(fmt, ...)   sipha_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define sipha_debug(fmt, ...) do { \
        if (sipha_log_enabled(LOG_DEBUG)) { sipha_log(LOG_DEBUG, fmt, ##__VA_ARGS__); } \
    } while (0)

#endif
