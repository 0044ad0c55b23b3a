package dev.p2p.simulator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventQueueTest {
  private static final class Tagged extends Event {
    final int tag;

    Tagged(int tag) {
      this.tag = tag;
    }

    @Override
    protected void run() {}
  }

  /** -1 polls, -2 removes the queued event at a position the list also picks, others add. */
  @Test
  void pollsByTimeThenInsertionOrderForAnyInterleavingOfAddPollAndRemove() {
    qt().forAll(lists().of(integers().between(-2, 50)).ofSizeBetween(0, 3000))
        .checkAssert(ops -> checkAgainstModel(ops, 1));
  }

  /**
   * The same with times from 0 to 5 s, so events land in the near heap, the wheel and the far heap
   * and move between them as the cursor advances (and jumps, when the wheel is empty).
   */
  @Test
  void keepsTheOrderAcrossBucketsWheelAndFarHeap() {
    qt().forAll(lists().of(integers().between(-2, 500)).ofSizeBetween(0, 3000))
        .checkAssert(ops -> checkAgainstModel(ops, 10_000_037L));
  }

  /** Few events far apart: the cursor jumps over empty buckets, and adds land behind it. */
  @Test
  void keepsTheOrderWhenEventsAreSparseAndFarApart() {
    qt().forAll(lists().of(integers().between(-2, 60)).ofSizeBetween(0, 300))
        .checkAssert(ops -> checkAgainstModel(ops, 3_000_000_017L));
  }

  private static void checkAgainstModel(List<Integer> ops, long scale) {
    EventQueue q = new EventQueue();
    List<long[]> model = new ArrayList<>(); // {time, tag}
    List<Tagged> live = new ArrayList<>(); // by tag order, to pick removals
    int tag = 0;
    for (int op : ops) {
      if (op == -2) {
        if (!live.isEmpty()) {
          Tagged victim = live.remove(tag % live.size());
          assertTrue(q.remove(victim));
          assertFalse(q.remove(victim), "removed twice");
          assertFalse(victim.queued());
          model.removeIf(m -> m[1] == victim.tag);
        }
      } else if (op < 0) {
        Event peeked = q.peek();
        Event got = q.poll();
        assertSame(peeked, got, "peek and poll disagree");
        if (model.isEmpty()) {
          assertNull(got);
        } else {
          long[] want = model.remove(0);
          assertEquals(want[0], got.time);
          assertEquals(want[1], ((Tagged) got).tag);
          assertFalse(got.queued());
          live.remove(got);
        }
      } else {
        long time = op * scale;
        Tagged e = new Tagged(tag);
        q.add(e, time);
        live.add(e);
        int at = 0;
        while (at < model.size() && model.get(at)[0] <= time) {
          at++; // equal times keep insertion order
        }
        model.add(at, new long[] {time, tag});
        tag++;
      }
      assertEquals(model.size(), q.size());
    }
    for (long[] want : model) {
      Tagged got = (Tagged) q.poll();
      assertEquals(want[0], got.time);
      assertEquals(want[1], got.tag);
    }
    assertNull(q.poll());
  }
}
