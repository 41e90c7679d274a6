"""netstack_library(): the cc_library of one netstack header.

    netstack_library(name = "udp", deps = [...])

is netstack/udp.h with netstack/udp.cc (none with header_only = True),
included as "standin/netstack/udp.h" by everyone, inside the package or not.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def netstack_library(name, deps = [], header_only = False):
    cc_library(
        name = name,
        srcs = [] if header_only else [name + ".cc"],
        hdrs = [name + ".h"],
        include_prefix = "standin/netstack",
        deps = deps,
    )
