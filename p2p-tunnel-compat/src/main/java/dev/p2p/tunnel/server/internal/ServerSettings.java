package dev.p2p.tunnel.server.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Everything a running tunnel server needs to know, fixed at start.
 *
 * @param accessToken when present, registration needs exactly this token
 * @param maxFrameSize the largest frame a registered client may send, length prefix included
 * @param maxQueuedBytesPerPeer the outbound queue toward one client; senders to it are paused (not
 *     dropped) while it is full
 * @param bytesPerSecondPerPeer the sustained rate one client may send at; 0 means unlimited
 * @param burstBytesPerPeer how much a client may send at once before the rate applies
 * @param idleTimeout a client that sends nothing for this long is disconnected
 * @param registrationTimeout a client must complete registration within this time
 * @param cleanupInterval how often stale relay connections are removed
 * @param ticker nanosecond time source for rate limits and stale connections
 */
public record ServerSettings(
    Optional<String> accessToken,
    int maxFrameSize,
    int maxQueuedBytesPerPeer,
    long bytesPerSecondPerPeer,
    long burstBytesPerPeer,
    Duration idleTimeout,
    Duration registrationTimeout,
    Duration cleanupInterval,
    LongSupplier ticker) {}
