/* sipha_log.c: see sipha_log.h */
#include "config.h"
#include "util/sipha_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A syslog line as glibc builds it: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG". */
#define LOG_LINE_MAX 2048

static const char *log_ident = "sipha";
static enum sipha_log_sink log_sink = SIPHA_LOG_STDERR;
static int log_min_priority = LOG_NOTICE;
static int log_facility = LOG_DAEMON;
static char log_socket_path[sizeof(((struct sockaddr_un *) 0)->sun_path)] =
    SIPHA_LOG_DEFAULT_SOCKET;
/* The syslog socket: the worker and control threads both log. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;

struct name_value {
    const char *name;
    int value;
};

static const struct name_value facilities[] = {
    { "kern", LOG_KERN }, { "user", LOG_USER }, { "mail", LOG_MAIL },
    { "daemon", LOG_DAEMON }, { "auth", LOG_AUTH }, { "syslog", LOG_SYSLOG },
    { "lpr", LOG_LPR }, { "news", LOG_NEWS }, { "uucp", LOG_UUCP }, { "cron", LOG_CRON },
    { "authpriv", LOG_AUTHPRIV }, { "ftp", LOG_FTP },
    { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
    { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
    { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const struct name_value levels[] = {
    { "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
    { "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
    { "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
    { "debug", LOG_DEBUG },
};

static int
name_lookup(const struct name_value *table, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++) {
        if (strcasecmp(name, table[i].name) == 0) {
            return table[i].value;
        }
    }
    return -1;
}

int
sipha_log_facility_parse(const char *name)
{
    return name_lookup(facilities, sizeof(facilities) / sizeof(facilities[0]), name);
}

int
sipha_log_level_parse(const char *name)
{
    return name_lookup(levels, sizeof(levels) / sizeof(levels[0]), name);
}

const char *
sipha_log_level_name(int priority)
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

/* Under log_lock. */
static void
syslog_close(void)
{
    if (log_fd >= 0) {
        close(log_fd);
        log_fd = -1;
    }
}

/* Under log_lock: connect to the syslog socket; 0 or -errno. */
static int
syslog_connect(void)
{
    struct sockaddr_un sun;

    if (log_fd >= 0) {
        return 0;
    }
    log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (log_fd < 0) {
        return -errno;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, log_socket_path, sizeof(sun.sun_path));
    if (connect(log_fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
        int rc = -errno;

        syslog_close();
        return rc;
    }
    return 0;
}

void
sipha_log_init(const char *ident, enum sipha_log_sink sink, int min_priority)
{
    pthread_mutex_lock(&log_lock);
    syslog_close();
    log_ident = (ident != NULL) ? ident : "sipha";
    log_sink = sink;
    __atomic_store_n(&log_min_priority, min_priority, __ATOMIC_RELAXED);
    if (sink == SIPHA_LOG_SYSLOG) {
        /* early, as LOG_NDELAY: a daemon that drops privileges or chroots
         * keeps the socket */
        syslog_connect();
    }
    pthread_mutex_unlock(&log_lock);
}

void
sipha_log_set_syslog(int facility, const char *socket_path)
{
    pthread_mutex_lock(&log_lock);
    syslog_close();
    log_sink = SIPHA_LOG_SYSLOG;
    log_facility = facility & LOG_FACMASK;
    snprintf(log_socket_path, sizeof(log_socket_path), "%s",
             socket_path != NULL ? socket_path : SIPHA_LOG_DEFAULT_SOCKET);
    syslog_connect();
    pthread_mutex_unlock(&log_lock);
}

int
sipha_log_configure(const char *ident, const char *facility_name, const char *socket_path,
                    bool syslog_default, int min_priority)
{
    int facility = syslog_default ? LOG_DAEMON : -1;

    if (facility_name != NULL) {
        facility = sipha_log_facility_parse(facility_name);
        if (facility < 0 && strcasecmp(facility_name, "none") != 0) {
            return -EINVAL;
        }
    }
    sipha_log_init(ident, facility >= 0 ? SIPHA_LOG_SYSLOG : SIPHA_LOG_STDERR, min_priority);
    if (facility >= 0) {
        sipha_log_set_syslog(facility, socket_path);
    }
    return 0;
}

void
sipha_log_set_priority(int min_priority)
{
    __atomic_store_n(&log_min_priority, min_priority, __ATOMIC_RELAXED);
}

int
sipha_log_get_priority(void)
{
    return __atomic_load_n(&log_min_priority, __ATOMIC_RELAXED);
}

bool
sipha_log_enabled(int priority)
{
    return priority <= sipha_log_get_priority();
}

static void
log_stderr(int priority, const char *text)
{
    struct timespec now;
    struct tm tm_now;
    char stamp[32];

    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &tm_now);
    strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm_now);
    fprintf(stderr, "%s.%03ld %s [%s] %s\n", stamp, now.tv_nsec / 1000000L, log_ident,
            sipha_log_level_name(priority), text);
}

/* One datagram; a syslog daemon that restarted is connected to again once.
 * Returns 0, or -errno when the message could not be sent. */
static int
log_syslog(int priority, const char *text)
{
    char line[LOG_LINE_MAX];
    char stamp[32];
    struct tm tm_now;
    time_t now = time(NULL);
    int len, rc = 0;

    localtime_r(&now, &tm_now);
    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm_now);
    len = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: %s", log_facility | priority, stamp,
                   log_ident, (long) getpid(), text);
    if (len < 0) {
        return -EINVAL;
    }
    if (len >= (int) sizeof(line)) {
        len = (int) sizeof(line) - 1;
    }
    pthread_mutex_lock(&log_lock);
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = syslog_connect();
        if (rc == 0 && send(log_fd, line, (size_t) len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
            break;
        }
        if (rc == 0) {
            rc = -errno;
        }
        syslog_close();
    }
    pthread_mutex_unlock(&log_lock);
    return rc;
}

void
sipha_log(int priority, const char *fmt, ...)
{
    char text[LOG_LINE_MAX];
    va_list ap;

    if (!sipha_log_enabled(priority)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    /* errors go to stderr as well: an OCF agent quotes the last line of
     * its console log when a start fails; so does a syslog that is gone */
    if (log_sink != SIPHA_LOG_SYSLOG || log_syslog(priority, text) != 0
        || priority <= LOG_ERR) {
        log_stderr(priority, text);
    }
}
