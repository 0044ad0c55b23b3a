package dev.p2p.simulator;

/**
 * What the simulated network did to the packets one end of a connection sent.
 *
 * @param packetsSent packets put on the wire, handshake and acknowledgements included
 * @param packetsLost of those, lost by the link or a partition
 * @param packetsDuplicated of those, delivered twice by the link
 * @param retransmissions reliable messages sent again after a retransmission timeout
 */
public record SimCounters(
    long packetsSent, long packetsLost, long packetsDuplicated, long retransmissions) {}
