/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_netlink.c: address and first gratuitous ARP without a fork
 * (takeover_netlink.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip/sipha_sip_addr.h"
#include "takeover_netlink.h"

#define NL_BUF 256

struct nl_req {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
    char attrs[NL_BUF];
};

static void
add_attr(struct nl_req *req, unsigned short type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *) ((char *) req + NLMSG_ALIGN(req->nh.nlmsg_len));

    rta->rta_type = type;
    rta->rta_len = (unsigned short) RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send REQ and read the kernel's acknowledgement. */
static int
nl_talk(struct nl_req *req)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    char reply[1024];
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int rc = -EIO;
    ssize_t n;

    if (fd < 0) {
        return -errno;
    }
    if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    n = recv(fd, reply, sizeof(reply), 0);
    if (n >= (ssize_t) NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        struct nlmsghdr *nh = (struct nlmsghdr *) reply;

        if (nh->nlmsg_type == NLMSG_ERROR) {
            rc = ((struct nlmsgerr *) NLMSG_DATA(nh))->error;   /* 0 or -errno */
        }
    } else if (n < 0) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

int
takeover_netlink_addr(bool add, const char *address, int prefix, const char *nic)
{
    struct nl_req req;
    unsigned char bytes[16];
    int family = AF_INET;
    size_t len;
    unsigned int index = if_nametoindex(nic);

    if (index == 0) {
        return -ENODEV;
    }
    if (sipha_ip_parse(address, &family, bytes) != 0) {
        return -EINVAL;
    }
    len = family == AF_INET ? 4 : 16;
    if (prefix < 0 || prefix > (int) len * 8) {
        return -EINVAL;
    }
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    req.ifa.ifa_family = (unsigned char) family;
    req.ifa.ifa_prefixlen = (unsigned char) prefix;
    req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    req.ifa.ifa_index = index;
    add_attr(&req, IFA_LOCAL, bytes, len);
    add_attr(&req, IFA_ADDRESS, bytes, len);
    if (family == AF_INET && add && prefix < 31) {
        uint32_t host_mask = prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix);
        uint32_t brd;

        memcpy(&brd, bytes, 4);
        brd = htonl(ntohl(brd) | host_mask);
        add_attr(&req, IFA_BROADCAST, &brd, 4);
    }
    if (family == AF_INET6 && add) {
        req.ifa.ifa_flags = IFA_F_NODAD;
    }
    return nl_talk(&req);
}

int
takeover_netlink_garp(const char *address, const char *nic)
{
    struct {
        struct ether_header eth;
        struct ether_arp arp;
    } __attribute__((packed)) frame;
    struct ifreq ifr;
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP) };
    unsigned char ip[16];
    int family = AF_INET, fd, rc = 0;

    if (sipha_ip_parse(address, &family, ip) != 0 || family != AF_INET
        || strlen(nic) >= sizeof(ifr.ifr_name)) {
        return -EINVAL;
    }
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0) {
        return -errno;
    }
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, nic, strlen(nic));
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        rc = -ENOTSUP;
        goto out;
    }
    to.sll_ifindex = (int) if_nametoindex(nic);
    to.sll_halen = ETH_ALEN;
    memset(to.sll_addr, 0xff, ETH_ALEN);
    memset(&frame, 0, sizeof(frame));
    memset(frame.eth.ether_dhost, 0xff, ETH_ALEN);
    memcpy(frame.eth.ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    frame.eth.ether_type = htons(ETHERTYPE_ARP);
    frame.arp.arp_hrd = htons(ARPHRD_ETHER);
    frame.arp.arp_pro = htons(ETHERTYPE_IP);
    frame.arp.arp_hln = ETH_ALEN;
    frame.arp.arp_pln = 4;
    frame.arp.arp_op = htons(ARPOP_REQUEST);    /* a request: what send_arp sends first */
    memcpy(frame.arp.arp_sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    memcpy(frame.arp.arp_spa, ip, 4);
    memset(frame.arp.arp_tha, 0xff, ETH_ALEN);
    memcpy(frame.arp.arp_tpa, ip, 4);
    if (sendto(fd, &frame, sizeof(frame), 0, (struct sockaddr *) &to, sizeof(to)) < 0) {
        rc = -errno;
    }
out:
    close(fd);
    return rc;
}
