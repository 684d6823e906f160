/*
 * sipha_log.h: the thin logging layer every sipha program uses.
 *
 * Daemons log (syslog, or stderr when in the foreground); tools output.
 * One call sets the sink; the macros add the level.
 *
 * The syslog sink is a small client of its own (RFC 3164 datagrams to a
 * unix socket, /dev/log unless told otherwise), not syslog(3): the socket
 * path can then be given (a test's own receiver), the facility changed at
 * run time, and the errors also written to stderr, so that a daemon run by
 * an OCF agent leaves its startup failure in the agent's console log too.
 */
#ifndef SIPHA_LOG_H
#define SIPHA_LOG_H

#include <stdbool.h>
#include <syslog.h>

#define SIPHA_LOG_DEFAULT_SOCKET "/dev/log"

enum sipha_log_sink {
    SIPHA_LOG_STDERR = 0,   /* foreground daemons, tools, tests */
    SIPHA_LOG_SYSLOG,       /* daemons: facility LOG_DAEMON unless set */
};

/* Set the program name (the syslog tag), the sink and the lowest priority
 * that is written.  Safe to call again (e.g. on SIGHUP); keeps the
 * facility and socket set by sipha_log_set_syslog. */
void sipha_log_init(const char *ident, enum sipha_log_sink sink, int min_priority);

/* Log to syslog with FACILITY (LOG_DAEMON, LOG_LOCAL0...) through the unix
 * datagram socket SOCKET_PATH (NULL: /dev/log). */
void sipha_log_set_syslog(int facility, const char *socket_path);

/* The daemons' --log-facility rule: FACILITY_NAME (NULL when not given)
 * names a syslog facility to log to through SOCKET_PATH (NULL: /dev/log);
 * "none" means stderr; not given means syslog's daemon facility when
 * SYSLOG_DEFAULT (a daemon in the background), else stderr.  Returns 0, or
 * -EINVAL for an unknown facility (nothing changed). */
int sipha_log_configure(const char *ident, const char *facility_name, const char *socket_path,
                        bool syslog_default, int min_priority);

/* Raise or lower verbosity at run time: priority as in syslog(3).  Any
 * thread may log while another changes it. */
void sipha_log_set_priority(int min_priority);
int sipha_log_get_priority(void);
bool sipha_log_enabled(int priority);

/* "daemon", "local0".."local7", "user"... -> LOG_DAEMON...; -1 if unknown. */
int sipha_log_facility_parse(const char *name);

/* "err"/"error", "warning", "notice", "info", "debug" -> LOG_*; -1 if
 * unknown.  And back. */
int sipha_log_level_parse(const char *name);
const char *sipha_log_level_name(int priority);

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
