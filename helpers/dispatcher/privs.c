/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privs.c: dropping root (see privs.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"
#include "util/sipha_log.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

void
privs_no_core(void)
{
    struct rlimit none = { 0, 0 };

    setrlimit(RLIMIT_CORE, &none);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        sipha_warn("Cannot turn core dumps off: %s", strerror(errno));
    }
}

/* This thread's capabilities: exactly MASK (permitted and effective);
 * AMBIENT of them also inheritable and ambient, kept across execve. */
static int
set_caps(uint64_t mask, uint64_t ambient)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];

    memset(data, 0, sizeof(data));
    for (int i = 0; i < 2; i++) {
        data[i].permitted = (uint32_t) (mask >> (32 * i));
        data[i].effective = data[i].permitted;
        data[i].inheritable = (uint32_t) (ambient >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) != 0) {
        return -errno;
    }
    for (int c = 0; c < 64; c++) {
        if ((ambient & CAP_BIT(c)) != 0
            && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) {
            return -errno;
        }
    }
    return 0;
}

static int
become(const struct passwd *pw)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0
        || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0
        || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
        return -errno;
    }
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return 0;
}

int
privs_drop(const char *user, bool takeover, bool rt)
{
    uint64_t net = CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_NET_RAW);
    uint64_t keep = takeover ? net | (rt ? CAP_BIT(CAP_SYS_NICE) : 0) : 0;
    struct passwd *pw = getpwnam(user);
    int rc;

    if (pw == NULL) {
        sipha_err("Cannot run as %s: no such user", user);
        return -ENOENT;
    }
    if (geteuid() != 0) {
        if (geteuid() == pw->pw_uid) {
            return 0;
        }
        sipha_err("Cannot run as %s: not started as root", user);
        return -EPERM;
    }
    rc = become(pw);
    if (rc == 0) {
        rc = set_caps(keep, takeover ? net : 0);
    }
    if (rc != 0) {
        sipha_err("Cannot run as %s: %s", user, strerror(-rc));
        return rc;
    }
    privs_no_core();            /* a change of user may have reset it */
    sipha_notice("Running as %s (uid %ld)%s", user, (long) pw->pw_uid,
                 takeover ? ", keeping CAP_NET_ADMIN and CAP_NET_RAW for the takeover" : "");
    return 0;
}
