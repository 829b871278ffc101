#!/usr/bin/env python3
# taskstats_reply.py - print (as raw bytes on stdout) the kernel's reply to
# one TASKSTATS_CMD_GET for TID, prefixed with TID as 4 little-endian bytes:
# the input format of fuzz_taskstats. Used by make_corpus.sh to take real
# replies (a thread's stats, ESRCH for a gone tid, EPERM without
# CAP_NET_ADMIN) as seeds.
#
# usage: taskstats_reply.py TID >seed
import os
import socket
import struct
import sys

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_PID = 1, 1
NLM_F_REQUEST = 1


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def request(sock, family, cmd, attrs, seq):
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST, seq, 0) + body)
    return sock.recv(65536)


def family_id(sock):
    reply = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                    attr(CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"), 1)
    off = 20  # nlmsghdr + genlmsghdr
    while off + 4 <= len(reply):
        n, kind = struct.unpack_from("=HH", reply, off)
        if kind == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("=H", reply, off + 4)[0]
        off += (n + 3) & ~3
    sys.exit("no TASKSTATS family")


def main():
    tid = int(sys.argv[1])
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    fam = family_id(sock)
    reply = request(sock, fam, TASKSTATS_CMD_GET,
                    attr(TASKSTATS_CMD_ATTR_PID, struct.pack("=I", tid)), 2)
    os.write(1, struct.pack("<I", tid) + reply)


main()
