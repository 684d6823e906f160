/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.c: the control socket (see control.h).
 *
 * Its clients are served by stream_server.h on the control thread's main
 * loop: read until a line is complete, answer, write, close; nothing waits
 * on a client.  Forwarding is on another thread altogether (worker.h).
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "control.h"
#include "util/sipha_log.h"
#include "stream_server.h"

/* Clients served at once; more are closed at once. */
#define CONTROL_CLIENTS_MAX 16
/* A client has this long to send its line and read the answer. */
#define CONTROL_CLIENT_TIMEOUT_MS 5000
#define CONTROL_LINE_MAX 512
#define CONTROL_GROUP "haclient"

struct control {
    gchar *path;
    control_handler_fn handler;
    gpointer user_data;
    struct stream_server *server;
};

/* A line is complete, or the client stopped sending: answer it. */
static enum stream_verdict
on_request(struct stream_client *c, bool ended, void *data)
{
    struct control *ctl = data;

    if (!ended && memchr(c->buf, '\n', c->used) == NULL) {
        return STREAM_MORE;
    }
    if (c->used == 0) {
        return STREAM_CLOSE;    /* connected and left */
    }
    c->buf[strcspn(c->buf, "\r\n")] = '\0';
    c->out = g_string_new(NULL);
    ctl->handler(c->buf, c->out, ctl->user_data);
    return STREAM_ANSWER;
}

/* Whether GID is the group of the cluster's administrators. */
static bool
is_admin_group(gid_t gid)
{
    struct group *gr = getgrnam(CONTROL_GROUP);

    return gr != NULL && gr->gr_gid == gid;
}

/* Root, this daemon's own user, or a member of haclient (as Pacemaker's
 * own tools): the socket's mode says the same, this is the second lock. */
static bool
peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    gid_t groups[256];
    socklen_t glen = sizeof(groups);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return false;
    }
    if (cred.uid == 0 || cred.uid == geteuid() || is_admin_group(cred.gid)) {
        return true;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) != 0) {
        return false;
    }
    for (size_t i = 0; i < glen / sizeof(gid_t); i++) {
        if (is_admin_group(groups[i])) {
            return true;
        }
    }
    return false;
}

static bool
on_accepted(int fd, void *data)
{
    static const char refused[] = "error: permission denied (root or group " CONTROL_GROUP ")\n";

    if (peer_allowed(fd)) {
        return true;
    }
    sipha_notice("Control socket: a client that is neither root nor in group "
                 CONTROL_GROUP " refused");
    (void) send(fd, refused, sizeof(refused) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    return false;
}

static const struct stream_server_ops control_ops = {
    .what = "Control",
    .clients_max = CONTROL_CLIENTS_MAX,
    .timeout_ms = CONTROL_CLIENT_TIMEOUT_MS,
    .request_max = CONTROL_LINE_MAX - 1,
    .accepted = on_accepted,
    .received = on_request,
};

/* Bind with mode 0600 from the start (no moment when anyone else could
 * connect), then open it to group haclient, if there is one. */
static int
bind_private(int fd, const struct sockaddr_un *sun, const char *path)
{
    mode_t old = umask(0177);
    int rc = bind(fd, (const struct sockaddr *) sun, sizeof(*sun));
    struct group *gr;

    umask(old);
    if (rc != 0) {
        return -errno;
    }
    gr = getgrnam(CONTROL_GROUP);
    if (gr != NULL && chown(path, (uid_t) -1, gr->gr_gid) == 0) {
        chmod(path, 0660);
    }
    return 0;
}

struct control *
control_listen(const char *path, control_handler_fn handler, gpointer user_data)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct control *ctl;
    gchar *dir;
    int fd, rc;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        sipha_err("Control socket path too long: %s", path);
        return NULL;
    }
    dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sipha_err("Control socket: %s", strerror(errno));
        return NULL;
    }
    unlink(path);
    rc = bind_private(fd, &sun, path);
    if (rc == 0 && listen(fd, 16) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        sipha_err("Control socket %s: %s", path, strerror(-rc));
        close(fd);
        return NULL;
    }
    ctl = g_new0(struct control, 1);
    ctl->path = g_strdup(path);
    ctl->handler = handler;
    ctl->user_data = user_data;
    ctl->server = stream_server_new(fd, &control_ops, ctl);
    return ctl;
}

void
control_close(struct control *ctl)
{
    if (ctl == NULL) {
        return;
    }
    stream_server_free(ctl->server);
    if (unlink(ctl->path) != 0 && errno != ENOENT) {
        sipha_warn("Cannot remove the control socket %s: %s", ctl->path, strerror(errno));
    }
    g_free(ctl->path);
    g_free(ctl);
}
