package dev.p2p.simulator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

  @Test
  void pollsByTimeThenInsertionOrderForAnyInterleaving() {
    qt().forAll(lists().of(integers().between(-1, 50)).ofSizeBetween(0, 3000))
        .checkAssert(
            ops -> {
              EventQueue q = new EventQueue();
              List<long[]> model = new ArrayList<>(); // {time, tag}
              int tag = 0;
              for (int op : ops) {
                if (op < 0) {
                  Event got = q.poll();
                  if (model.isEmpty()) {
                    assertNull(got);
                  } else {
                    long[] want = model.remove(0);
                    assertEquals(want[0], got.time);
                    assertEquals(want[1], ((Tagged) got).tag);
                  }
                } else {
                  q.add(new Tagged(tag), op);
                  int at = 0;
                  while (at < model.size() && model.get(at)[0] <= op) {
                    at++; // equal times keep insertion order
                  }
                  model.add(at, new long[] {op, tag});
                  tag++;
                }
                assertEquals(model.size(), q.size());
              }
              long last = Long.MIN_VALUE;
              while (q.size() > 0) {
                Event e = q.poll();
                assertTrue(e.time >= last);
                last = e.time;
              }
            });
  }
}
