package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.Delivery;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.opentest4j.AssertionFailedError;

/**
 * UNRELIABLE messages mixed with reliable ones. Whatever a provider may lose, it must never invent
 * or damage a message, and reliable messages around them keep their guarantees.
 */
final class UnreliableScenarios {
  static final int COUNT = 200;
  private static final int RELIABLE_STREAM = 30;
  private static final int UNRELIABLE_STREAM = 31;
  private static final int FENCE_STREAM = 32;

  /**
   * Provider time between the last send and the fence: datagrams have no order relative to reliable
   * messages, so one sent before the last reliable message may arrive after it; what has not
   * arrived a whole settle later counts as lost.
   */
  static final java.time.Duration SETTLE = java.time.Duration.ofMillis(500);

  private final Kit kit;

  UnreliableScenarios(Kit kit) {
    this.kit = kit;
  }

  void unreliableMessagesAreNeverInventedOrCorrupted() {
    ConnectedPair pair = kit.pair();
    int limit = Math.min(kit.hooks().unreliableMessageSize(), kit.hooks().maxMessageSize());
    List<byte[]> unreliable = new ArrayList<>();
    List<Integer> reliableSizes = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      // The first sizes are 0, 1, 2, ... so the untagged short ones are distinct.
      int size = i < Payloads.HEADER ? i : MessageSizes.tagged(kit.random(), limit, limit);
      unreliable.add(Payloads.of(UNRELIABLE_STREAM, i, Math.min(size, limit)));
      reliableSizes.add(MessageSizes.tagged(kit.random(), 4096, kit.hooks().maxMessageSize()));
    }
    boolean mayBeLost = kit.hooks().unreliableMayBeLost();
    MessageCollector atBob =
        mayBeLost
            // Reliable messages all arrive, so stop at a reliable fence sent a settle after the
            // last send; unreliable stragglers behind it count as lost.
            ? MessageCollector.collectUntil(
                pair.accepted(),
                new FenceSeen(),
                "bob receiving until the fence sent after all " + COUNT + " reliable messages")
            : MessageCollector.collect(pair.accepted(), 2 * COUNT, "bob receiving");
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      sends.add(pair.dialled().send(unreliable.get(i), Delivery.UNRELIABLE));
      sends.add(pair.dialled().send(Payloads.of(RELIABLE_STREAM, i, reliableSizes.get(i))));
    }
    kit.awaitAll("alice's reliable and UNRELIABLE sends", sends);
    if (mayBeLost) {
      kit.pause(SETTLE, "time for datagrams sent before the fence to arrive");
      kit.await(
          "alice's fence", pair.dialled().send(Payloads.of(FENCE_STREAM, 0, Payloads.HEADER)));
    }
    List<byte[]> received = kit.received(atBob);

    List<byte[]> reliable = new ArrayList<>();
    List<byte[]> arrived = new ArrayList<>();
    for (byte[] message : received) {
      if (isStream(message, FENCE_STREAM)) {
        continue;
      }
      if (isReliable(message)) {
        reliable.add(message);
      } else {
        arrived.add(message);
      }
    }
    MessageAssertions.assertStream(reliable, RELIABLE_STREAM, reliableSizes, "reliable messages");

    Map<ByteBuffer, Integer> sent = new HashMap<>();
    for (int i = 0; i < unreliable.size(); i++) {
      sent.put(ByteBuffer.wrap(unreliable.get(i)), i);
    }
    List<Integer> order = new ArrayList<>();
    for (byte[] message : arrived) {
      Integer index = sent.get(ByteBuffer.wrap(message));
      if (index == null) {
        throw new AssertionFailedError(
            "an UNRELIABLE message arrived that was never sent (invented or damaged): "
                + Payloads.describe(message));
      }
      order.add(index);
    }
    // Losing some is allowed; losing (nearly) all is a provider that does not deliver datagrams.
    double floor = kit.hooks().unreliableDeliveryFloor();
    long distinct = order.stream().distinct().count();
    if (distinct < Math.ceil(floor * COUNT)) {
      throw new AssertionFailedError(
          "only "
              + distinct
              + " of "
              + COUNT
              + " UNRELIABLE messages arrived; at least "
              + floor
              + " of them must (the unreliableDeliveryFloor() hook) on a link that is not lossy"
              + " by design");
    }
    if (!mayBeLost) {
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < COUNT; i++) {
        expected.add(i);
      }
      assertEquals(
          expected,
          order,
          "unreliableMayBeLost() is false, so every UNRELIABLE message arrives once, in order");
    }
  }

  // The header is enough to sort messages; every one is verified in full afterwards.
  private static boolean isReliable(byte[] message) {
    return isStream(message, RELIABLE_STREAM);
  }

  private static boolean isStream(byte[] message, int stream) {
    return message.length >= Payloads.HEADER && ByteBuffer.wrap(message).getInt() == stream;
  }

  /** True once the fence arrived (after every reliable message); looks at each message once. */
  private static final class FenceSeen implements Predicate<List<byte[]>> {
    private int checked;
    private boolean seen;

    @Override
    public boolean test(List<byte[]> received) {
      while (checked < received.size()) {
        seen |= isStream(received.get(checked++), FENCE_STREAM);
      }
      return seen;
    }
  }
}
