package dev.p2p.relay.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/** The limits one relay server applies, already range-checked by the builder. */
public record RelaySettings(
    int maxPacketSize,
    int queuePackets,
    long queueBytes,
    long bytesPerSecond,
    long burstBytes,
    int maxClients,
    int maxPending,
    Duration idleTimeout,
    Duration pingInterval,
    Duration writeTimeout,
    Duration loginTimeout,
    Optional<String> accessToken,
    LongSupplier ticker) {

  /** The largest WebSocket message a client may send: a packet or batch with its header. */
  public int maxFrameSize() {
    return maxPacketSize + RelayProtocol.BATCH_HEADER_LENGTH;
  }
}
