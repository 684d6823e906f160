/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_history.h: is a resource running on a node, judged from its
 * operation history in the CIB status section (lrm_resource/lrm_rsc_op),
 * the way crm_mon does it: the last completed operation by call-id decides.
 */
#ifndef SIPHA_CIB_HISTORY_H
#define SIPHA_CIB_HISTORY_H

#include <libxml/tree.h>

enum sipha_rsc_state {
    SIPHA_RSC_UNKNOWN = 0,  /* no usable history (never probed) */
    SIPHA_RSC_STOPPED,      /* stop rc 0, probe/monitor rc 7 */
    SIPHA_RSC_RUNNING,      /* start/monitor rc 0 (8: promoted) */
    SIPHA_RSC_FAILED,       /* last operation failed or timed out */
    SIPHA_RSC_PENDING,      /* a start/stop/migration in flight */
};

/* State of one lrm_resource element's history. */
enum sipha_rsc_state sipha_cib_lrm_state(const xmlNode *lrm_resource);

const char *sipha_rsc_state_name(enum sipha_rsc_state state);

#endif
