/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cpg.c: CPG connection, join, dispatch and reconnect on a GLib loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "beat/sipha_cpg.h"
#include "util/sipha_log.h"

#define RECONNECT_FIRST_MS  50
#define TRY_AGAIN_MS        10      /* Corosync is busy: short retry */
#define SEND_RETRY_MS       5
#define SEND_RETRY_MAX      20      /* then drop it: a newer message will follow */

struct sipha_cpg {
    char group_name[CPG_MAX_NAME_LENGTH];
    GMainContext *ctx;
    sipha_cpg_callbacks_t cb;
    void *user_data;
    uint32_t reconnect_max_ms;
    uint32_t backoff_ms;

    cpg_handle_t handle;
    bool initialized;
    bool joined;
    uint32_t nodeid;
    GSource *fd_source;
    GSource *retry_source;

    /* newest message refused with TRY_AGAIN */
    uint8_t *pending;
    size_t pending_len;
    unsigned pending_tries;
    GSource *send_source;
};

static void schedule_connect(sipha_cpg_t *cpg, uint32_t delay_ms);

const char *sipha_cpg_reason_str(uint32_t reason)
{
    switch (reason) {
        case CPG_REASON_JOIN:
            return "join";
        case CPG_REASON_LEAVE:
            return "left";
        case CPG_REASON_NODEDOWN:
            return "node down";
        case CPG_REASON_NODEUP:
            return "node up";
        case CPG_REASON_PROCDOWN:
            return "process down";
        default:
            return "unknown reason";
    }
}

static void destroy_source(GSource **source)
{
    if (*source != NULL) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

static void drop_pending(sipha_cpg_t *cpg)
{
    destroy_source(&cpg->send_source);
    free(cpg->pending);
    cpg->pending = NULL;
    cpg->pending_len = 0;
}

static void disconnect(sipha_cpg_t *cpg)
{
    bool was_joined = cpg->joined;

    destroy_source(&cpg->fd_source);
    drop_pending(cpg);
    if (cpg->initialized) {
        if (cpg->joined) {
            struct cpg_name name;

            name.length = (uint32_t) strlen(cpg->group_name);
            memcpy(name.value, cpg->group_name, name.length);
            (void) cpg_leave(cpg->handle, &name);
        }
        cpg_finalize(cpg->handle);
    }
    cpg->initialized = false;
    cpg->joined = false;
    if (was_joined && cpg->cb.connection != NULL) {
        cpg->cb.connection(false, cpg->user_data);
    }
}

static void connection_lost(sipha_cpg_t *cpg, const char *what, cs_error_t rc)
{
    sipha_warn("CPG group %s: %s (error %d): reconnecting", cpg->group_name, what, rc);
    disconnect(cpg);
    schedule_connect(cpg, cpg->backoff_ms);
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group,
                       uint32_t nodeid, uint32_t pid, void *msg, size_t msg_len)
{
    sipha_cpg_t *cpg = NULL;

    if (cpg_context_get(handle, (void **) &cpg) != CS_OK || cpg == NULL) {
        return;
    }
    if (cpg->cb.deliver != NULL) {
        cpg->cb.deliver(nodeid, pid, msg, msg_len, cpg->user_data);
    }
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
    sipha_cpg_t *cpg = NULL;

    if (cpg_context_get(handle, (void **) &cpg) != CS_OK || cpg == NULL) {
        return;
    }
    if (cpg->cb.confchg != NULL) {
        cpg->cb.confchg(members, n_members, left, n_left, joined, n_joined,
                        cpg->user_data);
    }
}

static gboolean on_fd(GIOChannel *channel, GIOCondition cond, gpointer data)
{
    sipha_cpg_t *cpg = data;
    cs_error_t rc;

    if (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) {
        /* the source is destroyed by disconnect(); returning TRUE is fine */
        connection_lost(cpg, "connection closed", CS_ERR_LIBRARY);
        return G_SOURCE_CONTINUE;
    }
    rc = cpg_dispatch(cpg->handle, CS_DISPATCH_ALL);
    if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
        connection_lost(cpg, "dispatch failed", rc);
    }
    return G_SOURCE_CONTINUE;
}

static void attach_fd(sipha_cpg_t *cpg, int fd)
{
    GIOChannel *channel = g_io_channel_unix_new(fd);

    cpg->fd_source = g_io_create_watch(channel, G_IO_IN | G_IO_PRI | G_IO_ERR | G_IO_HUP);
    g_source_set_callback(cpg->fd_source, G_SOURCE_FUNC(on_fd), cpg, NULL);
    g_source_set_priority(cpg->fd_source, G_PRIORITY_HIGH);
    g_source_attach(cpg->fd_source, cpg->ctx);
    g_io_channel_unref(channel);
}

/* Returns CS_OK, or the error of the step that failed. */
static cs_error_t try_connect(sipha_cpg_t *cpg)
{
    static cpg_model_v1_data_t model = {
        .model = CPG_MODEL_V1,
        .cpg_deliver_fn = on_deliver,
        .cpg_confchg_fn = on_confchg,
        .cpg_totem_confchg_fn = NULL,
        .flags = 0,
    };
    struct cpg_name name;
    cs_error_t rc;
    int fd = -1;

    rc = cpg_model_initialize(&cpg->handle, CPG_MODEL_V1, (cpg_model_data_t *) &model, cpg);
    if (rc != CS_OK) {
        return rc;
    }
    cpg->initialized = true;
    rc = cpg_local_get(cpg->handle, &cpg->nodeid);
    if (rc == CS_OK) {
        rc = cpg_fd_get(cpg->handle, &fd);
    }
    if (rc == CS_OK) {
        name.length = (uint32_t) strlen(cpg->group_name);
        memcpy(name.value, cpg->group_name, name.length);
        rc = cpg_join(cpg->handle, &name);
    }
    if (rc != CS_OK) {
        cpg_finalize(cpg->handle);
        cpg->initialized = false;
        return rc;
    }
    cpg->joined = true;
    attach_fd(cpg, fd);
    return CS_OK;
}

static gboolean on_connect_timer(gpointer data)
{
    sipha_cpg_t *cpg = data;
    cs_error_t rc;

    g_source_unref(cpg->retry_source);
    cpg->retry_source = NULL;
    rc = try_connect(cpg);
    if (rc == CS_OK) {
        sipha_notice("joined CPG group %s as node %u", cpg->group_name, cpg->nodeid);
        cpg->backoff_ms = RECONNECT_FIRST_MS;
        if (cpg->cb.connection != NULL) {
            cpg->cb.connection(true, cpg->user_data);
        }
    } else if (rc == CS_ERR_TRY_AGAIN) {
        schedule_connect(cpg, TRY_AGAIN_MS);
    } else {
        if (cpg->backoff_ms >= 1000) {
            sipha_warn("cannot join CPG group %s (error %d): retrying in %u ms",
                       cpg->group_name, rc, cpg->backoff_ms);
        } else {
            sipha_debug("cannot join CPG group %s (error %d): retrying in %u ms",
                        cpg->group_name, rc, cpg->backoff_ms);
        }
        schedule_connect(cpg, cpg->backoff_ms);
        cpg->backoff_ms = MIN(cpg->backoff_ms * 2, cpg->reconnect_max_ms);
    }
    return G_SOURCE_REMOVE;
}

static void schedule_connect(sipha_cpg_t *cpg, uint32_t delay_ms)
{
    destroy_source(&cpg->retry_source);
    cpg->retry_source = g_timeout_source_new(delay_ms);
    g_source_set_callback(cpg->retry_source, on_connect_timer, cpg, NULL);
    g_source_attach(cpg->retry_source, cpg->ctx);
}

sipha_cpg_t *sipha_cpg_new(const char *group, GMainContext *ctx,
                           uint32_t reconnect_max_ms,
                           const sipha_cpg_callbacks_t *callbacks, void *user_data)
{
    sipha_cpg_t *cpg;

    if (group == NULL || strlen(group) == 0 || strlen(group) >= CPG_MAX_NAME_LENGTH) {
        return NULL;
    }
    cpg = calloc(1, sizeof(*cpg));
    if (cpg == NULL) {
        return NULL;
    }
    g_strlcpy(cpg->group_name, group, sizeof(cpg->group_name));
    cpg->ctx = ctx != NULL ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
    if (callbacks != NULL) {
        cpg->cb = *callbacks;
    }
    cpg->user_data = user_data;
    cpg->reconnect_max_ms = reconnect_max_ms > 0 ? reconnect_max_ms : 2000;
    cpg->backoff_ms = RECONNECT_FIRST_MS;
    return cpg;
}

int sipha_cpg_start(sipha_cpg_t *cpg)
{
    if (cpg == NULL) {
        return -EINVAL;
    }
    schedule_connect(cpg, 0);
    return 0;
}

void sipha_cpg_free(sipha_cpg_t *cpg)
{
    if (cpg == NULL) {
        return;
    }
    cpg->cb.connection = NULL;  /* no callbacks while tearing down */
    disconnect(cpg);
    destroy_source(&cpg->retry_source);
    g_main_context_unref(cpg->ctx);
    free(cpg);
}

static cs_error_t mcast(sipha_cpg_t *cpg, const void *buf, size_t len)
{
    struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };

    return cpg_mcast_joined(cpg->handle, CPG_TYPE_AGREED, &iov, 1);
}

static gboolean on_send_retry(gpointer data)
{
    sipha_cpg_t *cpg = data;
    cs_error_t rc = mcast(cpg, cpg->pending, cpg->pending_len);

    if (rc == CS_ERR_TRY_AGAIN && ++cpg->pending_tries < SEND_RETRY_MAX) {
        return G_SOURCE_CONTINUE;
    }
    if (rc == CS_ERR_TRY_AGAIN) {
        sipha_debug("CPG group %s: message dropped after %u TRY_AGAIN",
                    cpg->group_name, cpg->pending_tries);
    }
    g_source_unref(cpg->send_source);
    cpg->send_source = NULL;
    free(cpg->pending);
    cpg->pending = NULL;
    if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
        connection_lost(cpg, "multicast failed", rc);
    }
    return G_SOURCE_REMOVE;
}

int sipha_cpg_send(sipha_cpg_t *cpg, const void *buf, size_t len)
{
    cs_error_t rc;
    uint8_t *copy;

    if (cpg == NULL || !cpg->joined) {
        return -ENOTCONN;
    }
    rc = mcast(cpg, buf, len);
    if (rc == CS_OK) {
        drop_pending(cpg);  /* a newer message went out */
        return 0;
    }
    if (rc != CS_ERR_TRY_AGAIN) {
        connection_lost(cpg, "multicast failed", rc);
        return -ENOTCONN;
    }
    /* Like Pacemaker's message queue, retry from a timer; unlike it keep
     * only the newest message, as a beat supersedes the previous one. */
    copy = malloc(len);
    if (copy == NULL) {
        return -ENOMEM;
    }
    memcpy(copy, buf, len);
    free(cpg->pending);
    cpg->pending = copy;
    cpg->pending_len = len;
    cpg->pending_tries = 0;
    if (cpg->send_source == NULL) {
        cpg->send_source = g_timeout_source_new(SEND_RETRY_MS);
        g_source_set_callback(cpg->send_source, on_send_retry, cpg, NULL);
        g_source_attach(cpg->send_source, cpg->ctx);
    }
    return -EAGAIN;
}

bool sipha_cpg_connected(const sipha_cpg_t *cpg)
{
    return cpg != NULL && cpg->joined;
}

uint32_t sipha_cpg_local_nodeid(const sipha_cpg_t *cpg)
{
    return cpg != NULL ? cpg->nodeid : 0;
}
