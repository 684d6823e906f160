/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_extract.c: CIB XML -> proxy set, with XPath over the CIB.
 *
 * We read the XML ourselves rather than through libpe_status, whose
 * structures become private in Pacemaker 3.0.  The element and attribute
 * names below are the CIB schema's (stable across 2.x and 3.x).
 *
 * The configured resource (opts->resource) is resolved to "units": a
 * primitive, or a group (one proxy made of several primitives), possibly
 * inside a clone.  A tag expands to the resources it names.  A unit is
 * running on a node when the node is online and every primitive of the unit
 * is running there according to its operation history; each such
 * (unit, node) is a proxy instance.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cib/sipha_cib_extract.h"
#include "cib/sipha_cib_history.h"
#include "cib/sipha_cib_set.h"
#include "sip/sipha_sip_addr.h"
#include "util/sipha_log.h"

/* XPath expressions over the CIB (our own constants, see the file comment). */
#define XP_RESOURCE_BY_ID "/cib/configuration/resources//*[@id='%s']" \
    "[self::primitive or self::group or self::clone or self::master]"
#define XP_TAG_BY_ID "/cib/configuration/tags/tag[@id='%s']"
#define XP_TAG_REFS "obj_ref/@id"
#define XP_CLONE_CHILD "primitive|group"
#define XP_GROUP_MEMBERS "primitive"
#define XP_NODE_STATES "/cib/status/node_state"
#define XP_LRM_RESOURCES "lrm/lrm_resources/lrm_resource[@id='%s' or starts-with(@id, '%s:')]"
/* instance/meta attribute sets: unconditional ones, or one whose rule is
 * the single expression "#uname eq NODE" (per-node values in a clone) */
#define XP_SET_PLAIN "%s[not(rule)]/nvpair[@name='%s']/@value"
#define XP_SET_FOR_NODE "%s[rule[count(*)=1]/expression[@attribute='#uname' and " \
    "@operation='eq' and @value='%s']]/nvpair[@name='%s']/@value"
#define XP_TRANSIENT_ATTR "transient_attributes/instance_attributes/nvpair[@name='%s']/@value"
#define XP_PERMANENT_ATTR "/cib/configuration/nodes/node[@id='%s']/instance_attributes" \
    "[not(rule)]/nvpair[@name='%s']/@value"

#define ELEM_INSTANCE "instance_attributes"
#define ELEM_META "meta_attributes"

#define UNIT_MAX_PRIMITIVES 32
#define UNIT_MAX_ANCESTORS 2

/* A primitive or a group, as one proxy per node where it runs. */
struct unit {
    const xmlNode *elem;                            /* primitive or group */
    const xmlNode *prims[UNIT_MAX_PRIMITIVES];
    size_t n_prims;
    const xmlNode *ancestors[UNIT_MAX_ANCESTORS];   /* enclosing group, clone */
    size_t n_ancestors;
};

struct extract {
    xmlXPathContextPtr xp;
    const struct sipha_cib_options *opts;
    struct unit *units;
    size_t n_units;
};

/* Values we put into XPath literals must not contain the quote. */
static bool literal_ok(const char *s)
{
    return s != NULL && strchr(s, '\'') == NULL;
}

static xmlXPathObjectPtr eval_at(struct extract *ex, const xmlNode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static xmlXPathObjectPtr eval_at(struct extract *ex, const xmlNode *at, const char *fmt, ...)
{
    char expr[1024];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(expr, sizeof(expr), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof(expr)) {
        return NULL;
    }
    ex->xp->node = (xmlNode *) at;
    return xmlXPathEvalExpression((const xmlChar *) expr, ex->xp);
}

static size_t result_count(const xmlXPathObjectPtr r)
{
    return r != NULL && r->nodesetval != NULL ? (size_t) r->nodesetval->nodeNr : 0;
}

/* Text of the first attribute node of a result, copied; NULL when none. */
static char *first_value(xmlXPathObjectPtr r)
{
    char *out = NULL;
    if (result_count(r) > 0) {
        xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
        if (v != NULL) {
            out = strdup((const char *) v);
            xmlFree(v);
        }
    }
    xmlXPathFreeObject(r);
    return out;
}

static char *prop(const xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *) name);
    char *out = v != NULL ? strdup((const char *) v) : NULL;
    xmlFree(v);
    return out;
}

static bool elem_is(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE
           && strcmp((const char *) node->name, name) == 0;
}

static bool elem_is_clone(const xmlNode *node)
{
    return elem_is(node, "clone") || elem_is(node, "master");
}

int sipha_cib_is_true(const char *value)
{
    static const char *const yes[] = { "true", "on", "yes", "y", "1" };
    if (value == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- resolving the configured resource to units ---- */

static int unit_add(struct extract *ex, const xmlNode *elem)
{
    struct unit u;
    memset(&u, 0, sizeof(u));
    u.elem = elem;
    if (elem_is(elem, "group")) {
        xmlXPathObjectPtr r = eval_at(ex, elem, XP_GROUP_MEMBERS);
        for (size_t i = 0; i < result_count(r) && u.n_prims < UNIT_MAX_PRIMITIVES; i++) {
            u.prims[u.n_prims++] = r->nodesetval->nodeTab[i];
        }
        xmlXPathFreeObject(r);
    } else {
        u.prims[u.n_prims++] = elem;
    }
    for (const xmlNode *p = elem->parent; p != NULL && u.n_ancestors < UNIT_MAX_ANCESTORS;
         p = p->parent) {
        if (elem_is(p, "group") || elem_is_clone(p)) {
            u.ancestors[u.n_ancestors++] = p;
        }
    }
    struct unit *grown = realloc(ex->units, (ex->n_units + 1) * sizeof(*grown));
    if (grown == NULL) {
        return -ENOMEM;
    }
    ex->units = grown;
    ex->units[ex->n_units++] = u;
    return 0;
}

/* Resolve an id (resource or tag).  0, -ENOENT or -ENOMEM. */
static int resolve(struct extract *ex, const char *id, int depth)
{
    int rc = -ENOENT;

    if (!literal_ok(id) || depth > 1) {
        return -ENOENT;
    }
    xmlXPathObjectPtr r = eval_at(ex, NULL, XP_RESOURCE_BY_ID, id);
    if (result_count(r) > 0) {
        const xmlNode *elem = r->nodesetval->nodeTab[0];
        xmlXPathFreeObject(r);
        if (elem_is_clone(elem)) {
            xmlXPathObjectPtr c = eval_at(ex, elem, XP_CLONE_CHILD);
            rc = result_count(c) > 0 ? unit_add(ex, c->nodesetval->nodeTab[0]) : 0;
            xmlXPathFreeObject(c);
            return rc;
        }
        return unit_add(ex, elem);
    }
    xmlXPathFreeObject(r);

    r = eval_at(ex, NULL, XP_TAG_BY_ID, id);
    if (result_count(r) > 0) {
        rc = 0;
        xmlXPathObjectPtr refs = eval_at(ex, r->nodesetval->nodeTab[0], XP_TAG_REFS);
        for (size_t i = 0; i < result_count(refs) && rc != -ENOMEM; i++) {
            xmlChar *ref = xmlNodeGetContent(refs->nodesetval->nodeTab[i]);
            if (ref != NULL && resolve(ex, (const char *) ref, depth + 1) == -ENOMEM) {
                rc = -ENOMEM;
            }
            xmlFree(ref);
        }
        xmlXPathFreeObject(refs);
    }
    xmlXPathFreeObject(r);
    return rc;
}

/* ---- per node ---- */

/* A node is online when its membership and controller are up.  2.1 writes
 * "true"/"online", 3.0 writes timestamps (non-zero when up). */
static bool node_online(const xmlNode *node_state)
{
    char *in_ccm = prop(node_state, "in_ccm");
    char *crmd = prop(node_state, "crmd");
    bool up = in_ccm != NULL && crmd != NULL
              && (strcmp(in_ccm, "true") == 0 || atoll(in_ccm) > 0)
              && (strcmp(crmd, "online") == 0 || atoll(crmd) > 0);
    free(in_ccm);
    free(crmd);
    return up;
}

static bool primitive_running(struct extract *ex, const xmlNode *node_state,
                              const xmlNode *prim)
{
    char *id = prop(prim, "id");
    bool running = false;

    if (literal_ok(id)) {
        xmlXPathObjectPtr r = eval_at(ex, node_state, XP_LRM_RESOURCES, id, id);
        for (size_t i = 0; i < result_count(r) && !running; i++) {
            running = sipha_cib_lrm_state(r->nodesetval->nodeTab[i]) == SIPHA_RSC_RUNNING;
        }
        xmlXPathFreeObject(r);
    }
    free(id);
    return running;
}

/* Value of an instance/meta attribute of elem for this node. */
static char *rsc_attr(struct extract *ex, const xmlNode *elem, const char *set_elem,
                      const char *name, const char *node)
{
    char *v = NULL;
    if (!literal_ok(name)) {
        return NULL;
    }
    if (literal_ok(node)) {
        v = first_value(eval_at(ex, elem, XP_SET_FOR_NODE, set_elem, node, name));
    }
    if (v == NULL) {
        v = first_value(eval_at(ex, elem, XP_SET_PLAIN, set_elem, name));
    }
    return v;
}

/* Node attribute: the transient value wins over the permanent one, as in
 * Pacemaker's own rule evaluation. */
static char *node_attr(struct extract *ex, const xmlNode *node_state, const char *name)
{
    char *v = NULL;
    if (!literal_ok(name)) {
        return NULL;
    }
    v = first_value(eval_at(ex, node_state, XP_TRANSIENT_ATTR, name));
    if (v == NULL) {
        char *node_id = prop(node_state, "id");
        if (literal_ok(node_id)) {
            v = first_value(eval_at(ex, NULL, XP_PERMANENT_ATTR, node_id, name));
        }
        free(node_id);
    }
    return v;
}

/* The unit's elements in lookup order: primitives, then enclosing ones. */
static size_t unit_chain(const struct unit *u, const xmlNode **chain)
{
    size_t n = 0;
    for (size_t i = 0; i < u->n_prims; i++) {
        chain[n++] = u->prims[i];
    }
    if (u->elem != u->prims[0]) {
        chain[n++] = u->elem;       /* the group itself */
    }
    for (size_t i = 0; i < u->n_ancestors; i++) {
        chain[n++] = u->ancestors[i];
    }
    return n;
}

static char *unit_address(struct extract *ex, const struct unit *u,
                          const xmlNode *node_state, const char *node)
{
    const xmlNode *chain[UNIT_MAX_PRIMITIVES + UNIT_MAX_ANCESTORS + 1];
    size_t n = unit_chain(u, chain);
    for (size_t i = 0; i < n; i++) {
        char *v = rsc_attr(ex, chain[i], ELEM_INSTANCE, ex->opts->address_param, node);
        if (v != NULL && v[0] != '\0') {
            return v;
        }
        free(v);
    }
    char *v = node_attr(ex, node_state, ex->opts->address_attr);
    if (v != NULL && v[0] == '\0') {
        free(v);
        v = NULL;
    }
    return v;
}

static bool unit_draining(struct extract *ex, const struct unit *u,
                          const xmlNode *node_state, const char *node)
{
    const xmlNode *chain[UNIT_MAX_PRIMITIVES + UNIT_MAX_ANCESTORS + 1];
    size_t n = unit_chain(u, chain);
    bool draining = false;

    for (size_t i = 0; i < n && !draining; i++) {
        char *v = rsc_attr(ex, chain[i], ELEM_META, ex->opts->drain_attr, node);
        draining = sipha_cib_is_true(v);
        free(v);
    }
    if (!draining) {
        char *v = node_attr(ex, node_state, ex->opts->drain_attr);
        draining = sipha_cib_is_true(v);
        free(v);
    }
    return draining;
}

static int unit_on_node(struct extract *ex, const struct unit *u,
                        const xmlNode *node_state, struct sipha_proxy_set *set)
{
    char key[SIPHA_SIP_ADDR_KEY_MAX];
    enum sipha_sip_transport transport;
    int rc = 0;

    for (size_t i = 0; i < u->n_prims; i++) {
        if (!primitive_running(ex, node_state, u->prims[i])) {
            return 0;
        }
    }
    char *node = prop(node_state, "uname");
    char *rsc = prop(u->elem, "id");
    char *address = unit_address(ex, u, node_state, node);
    if (address == NULL) {
        sipha_warn("CIB: %s runs on %s but has no SIP address (parameter %s, node attribute %s)",
                   rsc, node, ex->opts->address_param, ex->opts->address_attr);
    } else if (sipha_sip_transport_parse(ex->opts->default_transport, &transport) != 0
               || sipha_sip_addr_key(address, transport, key, sizeof(key)) < 0) {
        sipha_warn("CIB: %s on %s: unusable SIP address '%s'", rsc, node, address);
    } else {
        rc = sipha_proxy_set_add(set, key, address, rsc, node,
                                 unit_draining(ex, u, node_state, node));
    }
    free(address);
    free(rsc);
    free(node);
    return rc;
}

/* ---- entry points ---- */

int sipha_proxyset_extract(xmlNode *cib_root, const struct sipha_cib_options *opts,
                           struct sipha_proxy_set *set)
{
    struct extract ex = { .opts = opts };
    int rc;

    if (cib_root == NULL || !elem_is(cib_root, "cib") || cib_root->doc == NULL
        || opts == NULL || opts->resource == NULL || set == NULL) {
        return -EINVAL;
    }
    ex.xp = xmlXPathNewContext(cib_root->doc);
    if (ex.xp == NULL) {
        return -ENOMEM;
    }
    rc = resolve(&ex, opts->resource, 0);
    if (rc == 0) {
        xmlXPathObjectPtr nodes = eval_at(&ex, NULL, XP_NODE_STATES);
        for (size_t n = 0; n < result_count(nodes) && rc == 0; n++) {
            const xmlNode *ns = nodes->nodesetval->nodeTab[n];
            if (!node_online(ns)) {
                continue;
            }
            for (size_t u = 0; u < ex.n_units && rc == 0; u++) {
                rc = unit_on_node(&ex, &ex.units[u], ns, set);
            }
        }
        xmlXPathFreeObject(nodes);
    }
    if (rc == 0) {
        size_t dropped = sipha_proxy_set_normalize(set);
        if (dropped > 0) {
            sipha_warn("CIB: %zu proxy instance(s) share a SIP address with another; "
                       "each address counts once", dropped);
        }
    } else {
        sipha_proxy_set_clear(set);
    }
    free(ex.units);
    xmlXPathFreeContext(ex.xp);
    return rc;
}

int sipha_proxyset_extract_string(const char *xml, const struct sipha_cib_options *opts,
                                  struct sipha_proxy_set *set)
{
    if (xml == NULL) {
        return -EINVAL;
    }
    xmlDocPtr doc = xmlReadMemory(xml, (int) strlen(xml), "cib.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        return -EINVAL;
    }
    int rc = sipha_proxyset_extract(xmlDocGetRootElement(doc), opts, set);
    xmlFreeDoc(doc);
    return rc;
}

int sipha_proxyset_extract_file(const char *path, const struct sipha_cib_options *opts,
                                struct sipha_proxy_set *set)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        /* not -errno: -ENOENT means "resource not found" here */
        sipha_debug("CIB: cannot open %s: %s", path, strerror(errno));
        return -EIO;
    }
    fclose(f);
    xmlDocPtr doc = xmlReadFile(path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        return -EINVAL;
    }
    int rc = sipha_proxyset_extract(xmlDocGetRootElement(doc), opts, set);
    xmlFreeDoc(doc);
    return rc;
}
