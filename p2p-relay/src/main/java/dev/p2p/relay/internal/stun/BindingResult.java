package dev.p2p.relay.internal.stun;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * What one Binding transaction against one server gave.
 *
 * @param server where the request went
 * @param outcome whether a usable answer came
 * @param reflexive the address the server saw us at, present when {@code outcome} is ANSWERED
 * @param rtt from the first send to the answer (a lost first request makes it include the
 *     retransmission wait: the id is the same on every send, as RFC 8489 requires); zero if none
 * @param sends how many requests went out
 */
public record BindingResult(
    InetSocketAddress server,
    Outcome outcome,
    Optional<InetSocketAddress> reflexive,
    Duration rtt,
    int sends) {

  /** How a transaction ended. */
  public enum Outcome {
    /** A success response with a mapped address. */
    ANSWERED,
    /** An error response (the server refused the request). */
    ERROR_RESPONSE,
    /** Nothing matching came before the deadline: lost, filtered or no server. */
    TIMED_OUT
  }

  public boolean answered() {
    return outcome == Outcome.ANSWERED;
  }
}
