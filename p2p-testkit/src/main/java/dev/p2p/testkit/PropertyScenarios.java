package dev.p2p.testkit;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories properties over one connection. Each example uses fresh stream ids, so a message
 * left over from an earlier example is caught as a stranger; after a failing example the connection
 * is replaced so shrinking starts clean.
 */
final class PropertyScenarios {
  static final int EXAMPLES = 25;

  /** Few shrink attempts: a hang costs timeout() per attempt, and the seed replays anyway. */
  static final int SHRINK_CYCLES = 5;

  private final Kit kit;
  private ConnectedPair pair;
  private int example;

  PropertyScenarios(Kit kit) {
    this.kit = kit;
  }

  /** One step of a generated exchange. */
  record Step(Kind kind, int size) {
    enum Kind {
      ALICE_SENDS,
      BOB_SENDS,
      /** Waits for every send issued so far to be accepted before issuing more. */
      AWAIT_SENDS
    }

    @Override
    public String toString() {
      return switch (kind) {
        case ALICE_SENDS -> "a>b:" + size;
        case BOB_SENDS -> "b>a:" + size;
        case AWAIT_SENDS -> "await";
      };
    }
  }

  void anyInterleavingOfTwoDirectionsIsDeliveredInOrder() {
    int max = kit.hooks().maxMessageSize();
    Gen<Integer> size =
        Generate.frequency(
                Pair.of(14, Generate.range(0, 1024)),
                Pair.of(5, Generate.range(1025, 16 * 1024)),
                Pair.of(1, Generate.range(16 * 1024 + 1, 128 * 1024)))
            .map(s -> Math.min(s, max));
    Gen<Step> step =
        Generate.frequency(
            Pair.of(10, size.map(s -> new Step(Step.Kind.ALICE_SENDS, s))),
            Pair.of(10, size.map(s -> new Step(Step.Kind.BOB_SENDS, s))),
            Pair.of(2, Generate.constant(new Step(Step.Kind.AWAIT_SENDS, 0))));
    check(lists().of(step).ofSizeBetween(0, 60), this::play);
  }

  void sizesAroundPowersOfTwoSurviveBothWays() {
    int max = kit.hooks().maxMessageSize();
    // Framing bugs live at 2^k +- a few bytes (buffer, frame and record boundaries).
    Gen<Integer> size =
        Generate.range(0, 17)
            .zip(Generate.range(-2, 2), (k, d) -> Math.max(0, Math.min(max, (1 << k) + d)));
    check(
        lists().of(size).ofSizeBetween(1, 20),
        sizes -> {
          List<Integer> back = new ArrayList<>(sizes);
          java.util.Collections.reverse(back);
          int stream = nextStreams();
          new ReliableScenarios(kit).exchange(pair(), sizes, back, stream, stream + 1);
        });
  }

  private <T> void check(Gen<List<T>> generator, Consumer<List<T>> property) {
    qt().withFixedSeed(kit.seed())
        .withExamples(EXAMPLES)
        .withShrinkCycles(SHRINK_CYCLES)
        .forAll(generator)
        .checkAssert(
            value -> {
              try {
                property.accept(value);
              } catch (RuntimeException | Error e) {
                discardPair();
                throw e;
              }
            });
  }

  private void play(List<Step> steps) {
    ConnectedPair pair = pair();
    int forthStream = nextStreams();
    int backStream = forthStream + 1;
    List<Integer> forth = new ArrayList<>();
    List<Integer> back = new ArrayList<>();
    for (Step step : steps) {
      if (step.kind() == Step.Kind.ALICE_SENDS) {
        forth.add(step.size());
      } else if (step.kind() == Step.Kind.BOB_SENDS) {
        back.add(step.size());
      }
    }
    MessageCollector atBob =
        MessageCollector.collect(pair.accepted(), forth.size(), "bob receiving from alice");
    MessageCollector atAlice =
        MessageCollector.collect(pair.dialled(), back.size(), "alice receiving from bob");
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    int a = 0;
    int b = 0;
    for (Step step : steps) {
      switch (step.kind()) {
        case ALICE_SENDS ->
            sends.add(pair.dialled().send(Payloads.of(forthStream, a, forth.get(a++))));
        case BOB_SENDS ->
            sends.add(pair.accepted().send(Payloads.of(backStream, b, back.get(b++))));
        case AWAIT_SENDS -> {
          kit.awaitAll("sends issued before an await step", sends);
          sends.clear();
        }
      }
    }
    kit.awaitAll("sends of both sides", sends);
    MessageAssertions.assertStream(kit.received(atBob), forthStream, forth, "alice to bob");
    MessageAssertions.assertStream(kit.received(atAlice), backStream, back, "bob to alice");
  }

  private int nextStreams() {
    return 1000 + 2 * example++;
  }

  private ConnectedPair pair() {
    if (pair == null) {
      pair = kit.pair();
    }
    return pair;
  }

  private void discardPair() {
    if (pair != null) {
      ConnectedPair old = pair;
      pair = null;
      old.dialler().close();
      old.acceptor().close();
    }
  }
}
