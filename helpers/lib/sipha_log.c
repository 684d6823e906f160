/* sipha_log.c: see sipha_log.h */
#include "config.h"
#include "sipha_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_ident = "sipha";
static enum sipha_log_sink log_sink = SIPHA_LOG_STDERR;
static int log_min_priority = LOG_NOTICE;

static const char *
priority_name(int priority)
{
    switch (priority) {
        case LOG_EMERG:   return "emerg";
        case LOG_ALERT:   return "alert";
        case LOG_CRIT:    return "crit";
        case LOG_ERR:     return "error";
        case LOG_WARNING: return "warning";
        case LOG_NOTICE:  return "notice";
        case LOG_INFO:    return "info";
        default:          return "debug";
    }
}

void
sipha_log_init(const char *ident, enum sipha_log_sink sink, int min_priority)
{
    if (log_sink == SIPHA_LOG_SYSLOG) {
        closelog();
    }
    log_ident = (ident != NULL) ? ident : "sipha";
    log_sink = sink;
    log_min_priority = min_priority;
    if (sink == SIPHA_LOG_SYSLOG) {
        openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    }
}

void
sipha_log_set_priority(int min_priority)
{
    log_min_priority = min_priority;
}

bool
sipha_log_enabled(int priority)
{
    return priority <= log_min_priority;
}

void
sipha_log(int priority, const char *fmt, ...)
{
    va_list ap;

    if (!sipha_log_enabled(priority)) {
        return;
    }
    va_start(ap, fmt);
    if (log_sink == SIPHA_LOG_SYSLOG) {
        vsyslog(priority, fmt, ap);
    } else {
        struct timespec now;
        struct tm tm_now;
        char stamp[32];

        clock_gettime(CLOCK_REALTIME, &now);
        localtime_r(&now.tv_sec, &tm_now);
        strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm_now);
        fprintf(stderr, "%s.%03ld %s [%s] ", stamp, now.tv_nsec / 1000000L,
                log_ident, priority_name(priority));
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}
