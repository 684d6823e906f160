/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_history.c: resource state from the operation history.
 *
 * Pacemaker records, per node and resource, one lrm_rsc_op per operation
 * key (start, stop, probe, each recurring monitor, plus *_last_failure_0).
 * A recurring monitor's entry is rewritten in place with its latest result
 * and keeps its call-id; cancelling it (on stop) deletes it.  So ordering
 * completed entries by call-id and reading the last one gives the current
 * state, which is what crm_mon's unpacking does too.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cib/sipha_cib_history.h"

/* Our own constants for the CIB schema (Pacemaker's XML names). */
#define XML_OP "lrm_rsc_op"
#define XA_OPERATION "operation"
#define XA_CALL_ID "call-id"
#define XA_RC "rc-code"
#define XA_LAST_RC "last_rc_code"   /* very old histories */
#define XA_OP_STATUS "op-status"

/* Pacemaker's enum ocf_exitcode and enum pcmk_exec_status values. */
#define OCF_OK 0
#define OCF_NOT_RUNNING 7
#define OCF_RUNNING_PROMOTED 8
#define EXEC_PENDING (-1)
#define EXEC_DONE 0
#define EXEC_CANCELLED 1

static long attr_long(const xmlNode *node, const char *name, long fallback)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *) name);
    long out = fallback;
    if (v != NULL) {
        char *end = NULL;
        long parsed = strtol((const char *) v, &end, 10);
        if (end != (char *) v && *end == '\0') {
            out = parsed;
        }
        xmlFree(v);
    }
    return out;
}

static bool op_is(const char *operation, const char *name)
{
    return operation != NULL && strcmp(operation, name) == 0;
}

/* Operations that move the resource; a pending one means "in transition". */
static bool op_changes_state(const char *operation)
{
    return op_is(operation, "start") || op_is(operation, "stop")
           || op_is(operation, "promote") || op_is(operation, "demote")
           || op_is(operation, "migrate_to") || op_is(operation, "migrate_from");
}

/* Operations that say nothing about the resource's state. */
static bool op_ignored(const char *operation)
{
    return operation == NULL || op_is(operation, "notify") || op_is(operation, "meta-data")
           || op_is(operation, "cancel") || op_is(operation, "reload")
           || op_is(operation, "reload-agent") || op_is(operation, "validate-all");
}

/* The state one completed operation leaves the resource in. */
static enum sipha_rsc_state op_result(const char *operation, long rc, long status)
{
    if (status != EXEC_DONE) {
        return SIPHA_RSC_FAILED;    /* timeout, error, not installed ... */
    }
    if (op_is(operation, "stop") || op_is(operation, "migrate_to")) {
        /* a stop that failed leaves it blocked: not usable either way */
        return rc == OCF_OK ? SIPHA_RSC_STOPPED : SIPHA_RSC_FAILED;
    }
    if (op_is(operation, "monitor")) {
        if (rc == OCF_OK || rc == OCF_RUNNING_PROMOTED) {
            return SIPHA_RSC_RUNNING;
        }
        return rc == OCF_NOT_RUNNING ? SIPHA_RSC_STOPPED : SIPHA_RSC_FAILED;
    }
    /* start, promote, demote, migrate_from */
    return rc == OCF_OK || rc == OCF_RUNNING_PROMOTED ? SIPHA_RSC_RUNNING : SIPHA_RSC_FAILED;
}

enum sipha_rsc_state sipha_cib_lrm_state(const xmlNode *lrm_resource)
{
    enum sipha_rsc_state state = SIPHA_RSC_UNKNOWN;
    long last_call_id = -1;
    bool pending = false;

    if (lrm_resource == NULL) {
        return SIPHA_RSC_UNKNOWN;
    }
    for (const xmlNode *op = lrm_resource->children; op != NULL; op = op->next) {
        if (op->type != XML_ELEMENT_NODE || strcmp((const char *) op->name, XML_OP) != 0) {
            continue;
        }
        xmlChar *operation = xmlGetProp(op, (const xmlChar *) XA_OPERATION);
        const char *opname = (const char *) operation;
        long call_id = attr_long(op, XA_CALL_ID, -1);
        long status = attr_long(op, XA_OP_STATUS, EXEC_DONE);
        long rc = attr_long(op, XA_RC, attr_long(op, XA_LAST_RC, -1));

        if (op_ignored(opname) || status == EXEC_CANCELLED) {
            /* nothing to learn */
        } else if (status == EXEC_PENDING || call_id < 0) {
            /* recorded in-flight operation (record-pending) */
            if (op_changes_state(opname)) {
                pending = true;
            }
        } else if (call_id >= last_call_id) {
            /* ties: a failed monitor and its *_last_failure_0 copy agree */
            enum sipha_rsc_state s = op_result(opname, rc, status);
            if (call_id > last_call_id || s == SIPHA_RSC_FAILED) {
                state = s;
            }
            last_call_id = call_id;
        }
        xmlFree(operation);
    }
    return pending ? SIPHA_RSC_PENDING : state;
}

const char *sipha_rsc_state_name(enum sipha_rsc_state state)
{
    switch (state) {
        case SIPHA_RSC_STOPPED: return "stopped";
        case SIPHA_RSC_RUNNING: return "running";
        case SIPHA_RSC_FAILED: return "failed";
        case SIPHA_RSC_PENDING: return "pending";
        default: return "unknown";
    }
}
