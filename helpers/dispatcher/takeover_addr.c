/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_addr.c: the address work of a fast takeover (takeover_addr.h).
 * It runs the same tools IPaddr2 runs, without a shell.
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "sip/sipha_sip_addr.h"
#include "util/sipha_log.h"
#include "util/sipha_spawn.h"
#include "takeover_addr.h"
#include "takeover_netlink.h"

/* Does ADDR lie in the network of HAVE/PREFIX (both of FAMILY)? */
static bool
same_network(int family, const void *addr, const void *have, int prefix)
{
    const unsigned char *a = addr, *b = have;
    int bytes = family == AF_INET ? 4 : 16;

    for (int i = 0; i < bytes; i++) {
        int bits = prefix - 8 * i;
        unsigned char mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (unsigned char) (0xff << (8 - bits));

        if ((a[i] & mask) != (b[i] & mask)) {
            return false;
        }
    }
    return true;
}

static int
mask_prefix(int family, const struct sockaddr *mask)
{
    const unsigned char *m = family == AF_INET
        ? (const unsigned char *) &((const struct sockaddr_in *) mask)->sin_addr
        : (const unsigned char *) &((const struct sockaddr_in6 *) mask)->sin6_addr;
    int bytes = family == AF_INET ? 4 : 16, prefix = 0;

    for (int i = 0; i < bytes; i++) {
        prefix += __builtin_popcount(m[i]);
    }
    return prefix;
}

static const void *
in_addr_of(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET
        ? (const void *) &((const struct sockaddr_in *) sa)->sin_addr
        : (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr;
}

int
takeover_addr_resolve(const char *address, char nic[IF_NAMESIZE], int *prefix)
{
    unsigned char want[16];
    int family = AF_INET;
    struct ifaddrs *list = NULL;
    int rc = -ENOENT;

    if (nic[0] != '\0' && *prefix >= 0) {
        return 0;
    }
    if (sipha_ip_parse(address, &family, want) != 0 || getifaddrs(&list) != 0) {
        return -EINVAL;
    }
    for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next) {
        int p;

        if (i->ifa_addr == NULL || i->ifa_netmask == NULL || i->ifa_addr->sa_family != family
            || (nic[0] != '\0' && strcmp(nic, i->ifa_name) != 0)
            || memcmp(in_addr_of(i->ifa_addr), want, family == AF_INET ? 4 : 16) == 0) {
            continue;               /* another family or interface, or the SAP itself */
        }
        p = mask_prefix(family, i->ifa_netmask);
        if (p > 0 && same_network(family, want, in_addr_of(i->ifa_addr), p)) {
            if (nic[0] == '\0') {
                snprintf(nic, IF_NAMESIZE, "%s", i->ifa_name);
            }
            if (*prefix < 0) {
                *prefix = p;
            }
            rc = 0;
            break;
        }
    }
    freeifaddrs(list);
    return rc;
}

static void
reap(GPid pid, gint status, gpointer data)
{
    g_spawn_close_pid(pid);
}

/* Start ARGV and forget it (reaped when it exits).  posix_spawn, not fork:
 * util/sipha_spawn.h says why. */
static void
run_async(char **argv)
{
    pid_t pid;
    int rc = sipha_spawn(argv, SIPHA_SPAWN_NULL, SIPHA_SPAWN_NULL, &pid);

    if (rc != 0) {
        sipha_warn("Cannot run %s: %s", argv[0], strerror(-rc));
        return;
    }
    g_child_watch_add(pid, reap, NULL);
}

int
takeover_addr_claim(const struct takeover_addr_tools *tools, const char *address,
                    int prefix, const char *nic)
{
    bool v6 = strchr(address, ':') != NULL;
    char prefix_text[8], pidfile[256];
    int rc = takeover_netlink_addr(true, address, prefix, nic);

    if (rc != 0 && rc != -EEXIST) {
        sipha_err("Cannot add %s/%d to %s: %s", address, prefix, nic, strerror(-rc));
        return rc;
    }
    snprintf(prefix_text, sizeof(prefix_text), "%d", prefix);
    if (v6) {
        char *ua[] = { (char *) tools->send_ua, "-i", "200", "-c", "5", (char *) address,
                       prefix_text, (char *) nic, NULL };

        run_async(ua);
        return 0;
    }
    /* the first announcement now, the rest as IPaddr2 sends them */
    rc = takeover_netlink_garp(address, nic);
    if (rc != 0) {
        sipha_warn("Cannot send a gratuitous ARP for %s on %s: %s", address, nic, strerror(-rc));
    }
    snprintf(pidfile, sizeof(pidfile), "%s/send_arp-%s", tools->rsctmp, address);
    {
        char *arp[] = { (char *) tools->send_arp, "-i", "200", "-r", "5", "-p", pidfile,
                        (char *) nic, (char *) address, "auto", "not_used", "not_used", NULL };

        run_async(arp);
    }
    return 0;
}

int
takeover_addr_release(const struct takeover_addr_tools *tools, const char *address,
                      int prefix, const char *nic)
{
    int rc = takeover_netlink_addr(false, address, prefix, nic);

    (void) tools;
    if (rc != 0 && rc != -EADDRNOTAVAIL) {
        sipha_err("Cannot remove %s/%d from %s: %s", address, prefix, nic, strerror(-rc));
        return rc;
    }
    return 0;
}

void
takeover_addr_attribute(const struct takeover_addr_tools *tools, const char *node,
                        const char *name, const char *value)
{
    char *argv[10];
    int n = 0;

    argv[n++] = (char *) tools->attrd_updater;
    if (node != NULL) {
        argv[n++] = "-N";
        argv[n++] = (char *) node;
    }
    argv[n++] = "-n";
    argv[n++] = (char *) name;
    if (value != NULL) {
        argv[n++] = "-U";
        argv[n++] = (char *) value;
    } else {
        argv[n++] = "-D";
    }
    argv[n] = NULL;
    run_async(argv);
}
