/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib.c: the CIB follower's connection handling.
 *
 * We keep a copy of the whole CIB.  Every diff notification is applied to it
 * at once with xml_apply_patchset(), version-checked as crm_mon does; a patch
 * that does not apply (a diff missed, out of order) drops the copy and the
 * next recompute re-queries the whole CIB.  Recomputing the set
 * (sipha_cib_extract.c) is coalesced: the first diff after a quiet spell at
 * once, later ones at most every coalesce_ms, so a burst (a failure and its
 * recovery bring about nine diffs in ~160 ms) costs a handful of recomputes.
 * The set is reported only when it differs.
 *
 * When the connection drops, the last good set stays current; we reconnect
 * with exponential backoff and re-read.  libcib's file backend (CIB_file)
 * has no notifications: there we poll the file's mtime instead.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <crm/crm.h>
#include <crm/cib.h>
#include <crm/common/xml.h>

#include <libxml/xpath.h>

#include "cib/sipha_cib.h"
#include "cib/sipha_cib_extract.h"
#include "cib/sipha_cib_set.h"
#include "util/sipha_log.h"
#include "util/sipha_time.h"

#define CLIENT_NAME "sipha-cib"
/* The diff notification and its fields (Pacemaker's names; the macros for
 * them moved or went private across 2.1 -> 3.0, the strings did not). */
#define NOTIFY_DIFF_EVENT "cib_diff_notify"
#define NOTIFY_RC "cib_rc"
#define NOTIFY_DIFF "cib_update_result"
#define QUERY_OPTIONS (cib_scope_local | cib_sync_call)

struct sipha_cib {
    struct sipha_cib_options opts;  /* strings below are our copies */
    char *resource, *address_param, *address_attr, *drain_attr, *default_transport;
    sipha_cib_cb cb;
    void *user_data;

    cib_t *conn;
    bool connected;
    bool was_connected;             /* for CONNECTED reports after a loss */
    bool file_backend;              /* CIB_file: poll instead of notifications */
    struct timespec file_mtime;
    off_t file_size;

    guint refresh_timer;            /* coalesced re-read */
    guint reconnect_timer;
    guint poll_timer;
    unsigned reconnect_delay_ms;

    struct sipha_proxy_set current;
    bool have_set;
    bool resource_found;
    uint64_t first_diff_us;         /* first notification not yet read */
    uint64_t last_read_ms;          /* sipha_now_ms() after the last read */
    xmlNode *cib_xml;               /* our copy, kept current by the diffs;
                                     * NULL: query the whole CIB next time */
};

static void forget_copy(struct sipha_cib *f)
{
    free_xml(f->cib_xml);
    f->cib_xml = NULL;
}

/* libcib's notify callbacks carry no user data: keep the live followers. */
static GSList *followers;

static void schedule_reconnect(struct sipha_cib *f);
static void schedule_refresh(struct sipha_cib *f, unsigned delay_ms);

static void report(struct sipha_cib *f, enum sipha_cib_event event,
                   const struct sipha_proxy_set_change *change)
{
    struct sipha_cib_report r = {
        .event = event,
        .set = &f->current,
        .change = change,
        .resource_found = f->resource_found,
        .first_diff_us = f->first_diff_us,
        .reported_us = (uint64_t) g_get_real_time(),
    };
    if (f->cb != NULL) {
        f->cb(&r, f->user_data);
    }
}

static void log_change(const struct sipha_proxy_set_change *c, size_t n_total)
{
    for (size_t i = 0; i < c->n_added; i++) {
        sipha_notice("CIB: proxy %s added (%s on %s%s)", c->added[i]->id, c->added[i]->resource,
                     c->added[i]->node, c->added[i]->draining ? ", draining" : "");
    }
    for (size_t i = 0; i < c->n_removed; i++) {
        sipha_notice("CIB: proxy %s removed (was %s on %s)", c->removed[i]->id,
                     c->removed[i]->resource, c->removed[i]->node);
    }
    for (size_t i = 0; i < c->n_changed; i++) {
        sipha_notice("CIB: proxy %s changed (%s on %s%s)", c->changed[i]->id,
                     c->changed[i]->resource, c->changed[i]->node,
                     c->changed[i]->draining ? ", draining" : "");
    }
    sipha_notice("CIB: proxy set now has %zu proxies", n_total);
}

/* Install a freshly computed set; report it when it differs. */
static void install_set(struct sipha_cib *f, struct sipha_proxy_set *fresh, bool found)
{
    struct sipha_proxy_set_change change;
    bool first = !f->have_set;
    bool differs = sipha_proxy_set_diff(&f->current, fresh, &change);

    if (found != f->resource_found || first) {
        if (!found) {
            sipha_warn("CIB: resource '%s' is not in the CIB configuration", f->resource);
        }
    }
    if (differs || first || found != f->resource_found) {
        struct sipha_proxy_set old = f->current;
        f->current = *fresh;
        f->have_set = true;
        f->resource_found = found;
        log_change(&change, f->current.n_proxies);
        report(f, SIPHA_CIB_SET_CHANGED, &change);
        sipha_proxy_set_change_clear(&change);
        sipha_proxy_set_clear(&old);
    } else {
        sipha_proxy_set_change_clear(&change);
        sipha_proxy_set_clear(fresh);
    }
    f->first_diff_us = 0;
    if (f->opts.on_read != NULL) {
        f->opts.on_read(f->opts.on_read_data);
    }
}

static void drop_connection(struct sipha_cib *f)
{
    forget_copy(f);
    if (f->conn != NULL) {
        f->conn->cmds->signoff(f->conn);
        cib_delete(f->conn);
        f->conn = NULL;
    }
    if (f->connected) {
        f->connected = false;
        sipha_warn("CIB: connection lost; keeping the last set (%zu proxies)",
                   f->current.n_proxies);
        report(f, SIPHA_CIB_DISCONNECTED, NULL);
    }
}

/* Whether the status section says anything yet.  A restarted CIB manager
 * loads the configuration from disk with an empty status, which the
 * controller rebuilds moments later: until then every proxy would look
 * stopped, and a dispatcher would drop them all.  No operation history on
 * any node means "not known yet", not "nothing runs". */
static bool status_known(xmlNode *cib)
{
    xmlXPathContextPtr xp = xmlXPathNewContext(cib->doc);
    xmlXPathObjectPtr r = NULL;
    bool known = false;

    if (xp != NULL) {
        r = xmlXPathEvalExpression((const xmlChar *) "/cib/status/node_state/lrm", xp);
        known = r != NULL && r->nodesetval != NULL && r->nodesetval->nodeNr > 0;
        xmlXPathFreeObject(r);
        xmlXPathFreeContext(xp);
    }
    return known;
}

/* Recompute from our copy (query the whole CIB when we have none).  0, or a
 * negative code (connection dropped, reconnect scheduled). */
static int refresh(struct sipha_cib *f)
{
    struct sipha_proxy_set fresh = { 0 };
    uint64_t query_us = 0;

    if (f->conn == NULL || !f->connected) {
        return -ENOTCONN;
    }
    uint64_t start_us = sipha_now_us();
    if (f->cib_xml == NULL) {
        int rc = f->conn->cmds->query(f->conn, NULL, &f->cib_xml, QUERY_OPTIONS);
        query_us = sipha_now_us() - start_us;
        if (rc != pcmk_ok || f->cib_xml == NULL) {
            sipha_warn("CIB: query failed: %s", pcmk_strerror(rc));
            forget_copy(f);
            drop_connection(f);
            schedule_reconnect(f);
            return rc != pcmk_ok ? rc : -EIO;
        }
    }
    int rc = sipha_proxyset_extract(f->cib_xml, &f->opts, &fresh);
    f->last_read_ms = sipha_now_ms();
    sipha_debug("CIB: query %.2f ms, extract %.2f ms", (double) query_us / 1000.0,
                (double) (sipha_now_us() - start_us - query_us) / 1000.0);
    if (rc == 0 && f->have_set && f->current.n_proxies > 0 && !status_known(f->cib_xml)) {
        sipha_info("CIB: no operation history yet; keeping the last set");
        sipha_proxy_set_clear(&fresh);
        f->first_diff_us = 0;
        return 0;
    }
    if (rc == 0 || rc == -ENOENT) {
        install_set(f, &fresh, rc == 0);
        return 0;
    }
    sipha_err("CIB: cannot extract the proxy set: %s", strerror(-rc));
    sipha_proxy_set_clear(&fresh);
    forget_copy(f);
    return rc;
}

static gboolean on_refresh_timer(gpointer data)
{
    struct sipha_cib *f = data;
    f->refresh_timer = 0;
    refresh(f);
    return G_SOURCE_REMOVE;
}

/* Coalesce: the first diff after a quiet spell is read at once (from an
 * idle source, so diffs already queued join it); later ones wait until
 * coalesce_ms after the previous read, and a pending read absorbs them all.
 * At most one read per coalesce_ms, never more than coalesce_ms late. */
static void schedule_refresh(struct sipha_cib *f, unsigned coalesce_ms)
{
    if (f->refresh_timer != 0) {
        return;
    }
    uint64_t now_ms = sipha_now_ms();
    uint64_t next_ms = f->last_read_ms + coalesce_ms;
    if (f->last_read_ms == 0 || now_ms >= next_ms) {
        f->refresh_timer = g_idle_add(on_refresh_timer, f);
    } else {
        f->refresh_timer = g_timeout_add((guint) (next_ms - now_ms), on_refresh_timer, f);
    }
}

/* Bring our copy up to date with one diff; drop it when that fails. */
static void apply_diff(struct sipha_cib *f, xmlNode *diff)
{
    if (f->cib_xml == NULL) {
        return;     /* a query is due anyway */
    }
    int rc = diff != NULL ? xml_apply_patchset(f->cib_xml, diff, TRUE) : -EINVAL;
    if (rc != pcmk_ok) {
        sipha_debug("CIB: patch not applied (%s): re-querying", pcmk_strerror(rc));
        forget_copy(f);
    }
}

/* The patchset in a diff notification: <cib_update_result><diff .../>. */
static xmlNode *notify_diff(xmlNode *msg)
{
    for (xmlNode *c = msg != NULL ? msg->children : NULL; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *) c->name, NOTIFY_DIFF) == 0) {
            for (xmlNode *d = c->children; d != NULL; d = d->next) {
                if (d->type == XML_ELEMENT_NODE) {
                    return d;
                }
            }
        }
    }
    return NULL;
}

static void on_diff(const char *event, xmlNode *msg)
{
    uint64_t now_us = (uint64_t) g_get_real_time();
    int update_rc = pcmk_ok;
    xmlNode *diff = notify_diff(msg);

    crm_element_value_int(msg, NOTIFY_RC, &update_rc);
    for (GSList *l = followers; l != NULL; l = l->next) {
        struct sipha_cib *f = l->data;
        if (!f->connected || f->file_backend) {
            continue;
        }
        if (update_rc != pcmk_ok) {
            continue;   /* a failed update changed nothing */
        }
        apply_diff(f, diff);
        if (f->first_diff_us == 0) {
            f->first_diff_us = now_us;
        }
        schedule_refresh(f, f->opts.coalesce_ms);
    }
}

static void on_destroy(gpointer user_data)
{
    for (GSList *l = followers; l != NULL; l = l->next) {
        struct sipha_cib *f = l->data;
        if (f->conn == user_data && f->connected) {
            /* libcib is still unwinding this connection: free it later */
            f->connected = false;
            forget_copy(f);
            sipha_warn("CIB: connection lost; keeping the last set (%zu proxies)",
                       f->current.n_proxies);
            report(f, SIPHA_CIB_DISCONNECTED, NULL);
            schedule_reconnect(f);
        }
    }
}

static bool file_changed(struct sipha_cib *f)
{
    const char *path = getenv("CIB_file");
    struct stat st;

    if (path == NULL || stat(path, &st) < 0) {
        return false;
    }
    bool changed = st.st_mtim.tv_sec != f->file_mtime.tv_sec
                   || st.st_mtim.tv_nsec != f->file_mtime.tv_nsec || st.st_size != f->file_size;
    f->file_mtime = st.st_mtim;
    f->file_size = st.st_size;
    return changed;
}

static int try_connect(struct sipha_cib *f);

/* File backend: libcib reads the file at sign-on, so re-sign-on on change. */
static gboolean on_poll_timer(gpointer data)
{
    struct sipha_cib *f = data;
    if (file_changed(f)) {
        f->first_diff_us = (uint64_t) g_get_real_time();
        if (f->conn != NULL) {
            f->conn->cmds->signoff(f->conn);
            cib_delete(f->conn);
            f->conn = NULL;
        }
        f->connected = false;
        if (try_connect(f) < 0) {
            schedule_reconnect(f);
        }
    }
    return G_SOURCE_CONTINUE;
}

static int try_connect(struct sipha_cib *f)
{
    bool silent_reconnect = f->file_backend;    /* a poll re-read, not a loss */

    f->conn = cib_new();
    if (f->conn == NULL) {
        return -ENOMEM;
    }
    f->file_backend = f->conn->variant == cib_file;
    int rc = f->conn->cmds->signon(f->conn, CLIENT_NAME, cib_query);
    if (rc == pcmk_ok && !f->file_backend) {
        rc = f->conn->cmds->set_connection_dnotify(f->conn, on_destroy);
        if (rc == pcmk_ok) {
            rc = f->conn->cmds->add_notify_callback(f->conn, NOTIFY_DIFF_EVENT, on_diff);
        }
    }
    if (rc != pcmk_ok) {
        sipha_debug("CIB: cannot connect: %s", pcmk_strerror(rc));
        cib_delete(f->conn);
        f->conn = NULL;
        return rc < 0 ? rc : -ENOTCONN;
    }
    f->connected = true;
    forget_copy(f);     /* diffs were missed while away: read it all */
    f->reconnect_delay_ms = f->opts.reconnect_min_ms;
    if (f->file_backend) {
        if (f->poll_timer == 0) {
            file_changed(f);
            f->poll_timer = g_timeout_add(f->opts.poll_ms, on_poll_timer, f);
        }
    } else if (f->was_connected) {
        sipha_notice("CIB: reconnected");
    }
    if (f->was_connected && !silent_reconnect) {
        report(f, SIPHA_CIB_CONNECTED, NULL);
    }
    f->was_connected = true;
    return refresh(f);
}

static gboolean on_reconnect_timer(gpointer data)
{
    struct sipha_cib *f = data;
    f->reconnect_timer = 0;
    if (f->conn != NULL) {
        cib_delete(f->conn);
        f->conn = NULL;
    }
    if (try_connect(f) < 0 && !f->connected) {
        unsigned next = f->reconnect_delay_ms * 2;
        f->reconnect_delay_ms = next > f->opts.reconnect_max_ms ? f->opts.reconnect_max_ms : next;
        schedule_reconnect(f);
    }
    return G_SOURCE_REMOVE;
}

static void schedule_reconnect(struct sipha_cib *f)
{
    if (f->reconnect_timer == 0) {
        f->reconnect_timer = g_timeout_add(f->reconnect_delay_ms, on_reconnect_timer, f);
    }
}

static bool options_ok(const struct sipha_cib_options *o)
{
    return o != NULL && o->resource != NULL && o->resource[0] != '\0'
           && o->address_param != NULL && o->address_attr != NULL && o->drain_attr != NULL
           && o->default_transport != NULL && o->reconnect_min_ms > 0
           && o->reconnect_max_ms >= o->reconnect_min_ms && o->poll_ms > 0;
}

struct sipha_cib *sipha_cib_new(const struct sipha_cib_options *opts,
                                sipha_cib_cb cb, void *user_data)
{
    if (!options_ok(opts)) {
        return NULL;
    }
    crm_xml_init();
    struct sipha_cib *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->opts = *opts;
    f->resource = strdup(opts->resource);
    f->address_param = strdup(opts->address_param);
    f->address_attr = strdup(opts->address_attr);
    f->drain_attr = strdup(opts->drain_attr);
    f->default_transport = strdup(opts->default_transport);
    if (f->resource == NULL || f->address_param == NULL || f->address_attr == NULL
        || f->drain_attr == NULL || f->default_transport == NULL) {
        sipha_cib_free(f);
        return NULL;
    }
    f->opts.resource = f->resource;
    f->opts.address_param = f->address_param;
    f->opts.address_attr = f->address_attr;
    f->opts.drain_attr = f->drain_attr;
    f->opts.default_transport = f->default_transport;
    f->cb = cb;
    f->user_data = user_data;
    f->reconnect_delay_ms = opts->reconnect_min_ms;
    followers = g_slist_prepend(followers, f);
    return f;
}

int sipha_cib_start(struct sipha_cib *f)
{
    if (f == NULL) {
        return -EINVAL;
    }
    int rc = try_connect(f);
    if (rc < 0 && !f->connected) {
        sipha_warn("CIB: not connected (%s); retrying", pcmk_strerror(rc));
        schedule_reconnect(f);
    }
    return f->connected ? 0 : rc;
}

const struct sipha_proxy_set *sipha_cib_current(const struct sipha_cib *f)
{
    return &f->current;
}

bool sipha_cib_connected(const struct sipha_cib *f)
{
    return f->connected;
}

static void remove_source(guint *id)
{
    if (*id != 0) {
        g_source_remove(*id);
        *id = 0;
    }
}

void sipha_cib_free(struct sipha_cib *f)
{
    if (f == NULL) {
        return;
    }
    followers = g_slist_remove(followers, f);
    remove_source(&f->refresh_timer);
    remove_source(&f->reconnect_timer);
    remove_source(&f->poll_timer);
    if (f->conn != NULL) {
        if (!f->file_backend) {
            f->conn->cmds->del_notify_callback(f->conn, NOTIFY_DIFF_EVENT, on_diff);
        }
        f->conn->cmds->signoff(f->conn);
        cib_delete(f->conn);
    }
    forget_copy(f);
    sipha_proxy_set_clear(&f->current);
    free(f->resource);
    free(f->address_param);
    free(f->address_attr);
    free(f->drain_attr);
    free(f->default_transport);
    free(f);
}

int sipha_cib_read_once(const struct sipha_cib_options *opts, struct sipha_proxy_set *set)
{
    xmlNode *xml = NULL;

    if (!options_ok(opts) || set == NULL) {
        return -EINVAL;
    }
    crm_xml_init();
    memset(set, 0, sizeof(*set));
    cib_t *conn = cib_new();
    if (conn == NULL) {
        return -ENOMEM;
    }
    int rc = conn->cmds->signon(conn, CLIENT_NAME, cib_query);
    if (rc == pcmk_ok) {
        rc = conn->cmds->query(conn, NULL, &xml, QUERY_OPTIONS);
    }
    conn->cmds->signoff(conn);
    cib_delete(conn);
    if (rc != pcmk_ok || xml == NULL) {
        sipha_debug("CIB: read failed: %s", pcmk_strerror(rc));
        free_xml(xml);
        return -ENOTCONN;
    }
    rc = sipha_proxyset_extract(xml, opts, set);
    free_xml(xml);
    return rc;
}
