package dev.p2p.testkit.lab;

import java.net.InetAddress;

/**
 * One side of the lab: a host behind a router.
 *
 * @param hostNamespace where the side's programs run
 * @param hostAddress the host's own (private) address
 * @param routerNamespace the router's namespace (its nftables rules live there)
 * @param routerPublicAddress the router's address on the public segment: a NATed host's reflexive
 *     address
 * @param kind what the router does
 */
public record LabSide(
    int index,
    String hostNamespace,
    InetAddress hostAddress,
    String routerNamespace,
    InetAddress routerPublicAddress,
    NatKind kind) {}
