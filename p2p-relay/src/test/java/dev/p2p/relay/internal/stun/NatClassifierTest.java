package dev.p2p.relay.internal.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The classification table, on made-up results. */
class NatClassifierTest {
  private static final InetSocketAddress S1 = new InetSocketAddress("198.18.0.10", 3478);
  private static final InetSocketAddress S2 = new InetSocketAddress("198.18.0.11", 3478);
  private static final InetSocketAddress LOCAL = new InetSocketAddress("198.19.2.2", 5000);
  private static final Set<InetAddress> LOCALS = Set.of(LOCAL.getAddress());

  private static BindingResult answered(InetSocketAddress server, String ip, int port) {
    return new BindingResult(
        server,
        BindingResult.Outcome.ANSWERED,
        Optional.of(new InetSocketAddress(ip, port)),
        Duration.ofMillis(3),
        1);
  }

  private static BindingResult timedOut(InetSocketAddress server) {
    return new BindingResult(
        server, BindingResult.Outcome.TIMED_OUT, Optional.empty(), Duration.ZERO, 7);
  }

  private static NatReport classify(BindingResult... results) {
    return NatClassifier.classify(LOCAL, LOCALS, List.of(results));
  }

  @Test
  void ourOwnAddressBackIsNoNat() {
    NatReport r = classify(answered(S1, "198.19.2.2", 5000), answered(S2, "198.19.2.2", 5000));
    assertEquals(NatType.NO_NAT, r.type());
    assertEquals(Optional.of(false), r.mappingVariesByDestination());
    assertEquals(List.of(new InetSocketAddress("198.19.2.2", 5000)), r.reflexiveAddresses());
  }

  @Test
  void theSameForeignAddressFromTwoServersIsEndpointIndependent() {
    NatReport r = classify(answered(S1, "198.18.0.22", 5000), answered(S2, "198.18.0.22", 5000));
    assertEquals(NatType.ENDPOINT_INDEPENDENT, r.type());
  }

  @Test
  void ourAddressOnAnotherPortIsATranslationNotNoNat() {
    NatReport r = classify(answered(S1, "198.19.2.2", 6000), answered(S2, "198.19.2.2", 6000));
    assertEquals(NatType.ENDPOINT_INDEPENDENT, r.type());
  }

  @Test
  void differentPortsOrAddressesPerServerAreDestinationDependent() {
    assertEquals(
        NatType.DESTINATION_DEPENDENT,
        classify(answered(S1, "198.18.0.23", 41000), answered(S2, "198.18.0.23", 52000)).type());
    NatReport r = classify(answered(S1, "198.18.0.23", 41000), answered(S2, "198.18.0.24", 41000));
    assertEquals(NatType.DESTINATION_DEPENDENT, r.type());
    assertEquals(Optional.of(true), r.mappingVariesByDestination());
    assertEquals(2, r.reflexiveAddresses().size());
  }

  @Test
  void oneAnswerBehindANatIsUnknownAndOnOurOwnAddressIsNoNat() {
    NatReport r = classify(answered(S1, "198.18.0.22", 5000), timedOut(S2));
    assertEquals(NatType.UNKNOWN, r.type());
    assertEquals(Optional.empty(), r.mappingVariesByDestination());
    assertEquals(NatType.NO_NAT, classify(timedOut(S1), answered(S2, "198.19.2.2", 5000)).type());
  }

  @Test
  void twoAnswersFromTheSameServerCountAsOne() {
    assertEquals(
        NatType.UNKNOWN,
        classify(answered(S1, "198.18.0.22", 5000), answered(S1, "198.18.0.22", 5000)).type());
  }

  @Test
  void noAnswerIsBlocked() {
    NatReport r = classify(timedOut(S1), timedOut(S2));
    assertEquals(NatType.BLOCKED, r.type());
    assertTrue(r.summary().contains("no answer"), r.summary());
  }

  @Test
  void aWildcardSocketMatchesAnyOfTheHostsAddresses() {
    InetSocketAddress wildcard = new InetSocketAddress(5000);
    NatReport r =
        NatClassifier.classify(
            wildcard,
            LOCALS,
            List.of(answered(S1, "198.19.2.2", 5000), answered(S2, "198.19.2.2", 5000)));
    assertEquals(NatType.NO_NAT, r.type());
  }
}
