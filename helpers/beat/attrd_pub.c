/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attrd_pub.c: node attributes through attrd_updater.
 *
 * attrd_updater rather than libcrmcommon's attrd IPC: the IPC API is
 * internal (pcmk__*) in Pacemaker 2.1 and changes between releases, while
 * attrd_updater's options are stable.  Changes are rare (a proxy going down
 * or up), so one short-lived child per change costs nothing; updates run one
 * at a time so they reach attrd in order, and only the newest wanted value
 * of each attribute is ever sent.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "attrd_pub.h"
#include "util/sipha_log.h"
#include "util/sipha_spawn.h"

#define RETRY_MS 1000

typedef struct attr {
    char *wanted;
    char *published;
} attr_t;

struct attrd_pub {
    GMainContext *ctx;
    char *prefix;
    char *updater;
    GHashTable *attrs;          /* name -> attr_t */
    char *running_name;         /* update in flight */
    char *running_value;
    GSource *retry;
    uint64_t ok;
    uint64_t failed;
};

static void attr_free(gpointer data)
{
    attr_t *a = data;

    g_free(a->wanted);
    g_free(a->published);
    g_free(a);
}

attrd_pub_t *attrd_pub_new(GMainContext *ctx, const char *prefix, const char *updater)
{
    attrd_pub_t *pub = g_new0(attrd_pub_t, 1);

    pub->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    pub->prefix = g_strdup(prefix);
    pub->updater = g_strdup(updater != NULL ? updater : "attrd_updater");
    pub->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, attr_free);
    return pub;
}

void attrd_pub_free(attrd_pub_t *pub)
{
    if (pub == NULL) {
        return;
    }
    if (pub->retry != NULL) {
        g_source_destroy(pub->retry);
        g_source_unref(pub->retry);
    }
    g_hash_table_destroy(pub->attrs);
    g_free(pub->running_name);
    g_free(pub->running_value);
    g_free(pub->prefix);
    g_free(pub->updater);
    g_main_context_unref(pub->ctx);
    g_free(pub);
}

static void run_next(attrd_pub_t *pub);

static gboolean on_retry(gpointer data)
{
    attrd_pub_t *pub = data;

    g_source_unref(pub->retry);
    pub->retry = NULL;
    run_next(pub);
    return G_SOURCE_REMOVE;
}

static void schedule_retry(attrd_pub_t *pub)
{
    if (pub->retry == NULL) {
        pub->retry = g_timeout_source_new(RETRY_MS);
        g_source_set_callback(pub->retry, on_retry, pub, NULL);
        g_source_attach(pub->retry, pub->ctx);
    }
}

static void on_child_exit(GPid pid, gint status, gpointer data)
{
    attrd_pub_t *pub = data;
    attr_t *a = g_hash_table_lookup(pub->attrs, pub->running_name);

    g_spawn_close_pid(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        pub->ok++;
        sipha_notice("published %s%s=%s", pub->prefix, pub->running_name, pub->running_value);
        if (a != NULL) {
            g_free(a->published);
            a->published = g_strdup(pub->running_value);
        }
    } else {
        pub->failed++;
        sipha_warn("%s failed to set %s%s=%s (status %d): retrying", pub->updater,
                   pub->prefix, pub->running_name, pub->running_value, status);
        schedule_retry(pub);
    }
    g_clear_pointer(&pub->running_name, g_free);
    g_clear_pointer(&pub->running_value, g_free);
    if (pub->retry == NULL) {
        run_next(pub);
    }
}

static void spawn_update(attrd_pub_t *pub, const char *name, const char *value)
{
    char *attr_name = g_strconcat(pub->prefix, name, NULL);
    char *argv[] = { pub->updater, "-n", attr_name, "-U", (char *) value, NULL };
    GSource *watch;
    pid_t pid;
    int rc;

    /* posix_spawn, not fork: util/sipha_spawn.h says why */
    rc = sipha_spawn(argv, SIPHA_SPAWN_NULL, SIPHA_SPAWN_INHERIT, &pid);
    if (rc != 0) {
        pub->failed++;
        sipha_warn("cannot run %s: %s: retrying", pub->updater, strerror(-rc));
        g_free(attr_name);
        schedule_retry(pub);
        return;
    }
    g_free(attr_name);
    pub->running_name = g_strdup(name);
    pub->running_value = g_strdup(value);
    watch = g_child_watch_source_new(pid);
    g_source_set_callback(watch, G_SOURCE_FUNC(on_child_exit), pub, NULL);
    g_source_attach(watch, pub->ctx);
    g_source_unref(watch);
}

static void run_next(attrd_pub_t *pub)
{
    GHashTableIter iter;
    gpointer key, value;

    if (pub->running_name != NULL) {
        return;
    }
    g_hash_table_iter_init(&iter, pub->attrs);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        attr_t *a = value;

        if (g_strcmp0(a->wanted, a->published) != 0) {
            spawn_update(pub, key, a->wanted);
            return;
        }
    }
}

void attrd_pub_set(attrd_pub_t *pub, const char *name, const char *value)
{
    attr_t *a = g_hash_table_lookup(pub->attrs, name);

    if (a == NULL) {
        a = g_new0(attr_t, 1);
        g_hash_table_insert(pub->attrs, g_strdup(name), a);
    }
    if (g_strcmp0(a->wanted, value) == 0) {
        return;
    }
    g_free(a->wanted);
    a->wanted = g_strdup(value);
    if (pub->retry == NULL) {
        run_next(pub);
    }
}

void attrd_pub_counts(const attrd_pub_t *pub, uint64_t *ok, uint64_t *failed)
{
    *ok = pub->ok;
    *failed = pub->failed;
}
