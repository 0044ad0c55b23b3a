package dev.p2p.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Grants acknowledge what they cover; credit for discarded bytes is counted apart. */
class ReceiveWindowTest {
  private static final int BATCH = ReceiveWindow.GRANT_BATCH;

  @Test
  void grantsGoInBatchesAndWithheldBytesWaitForTheApplication() {
    ReceiveWindow w = new ReceiveWindow();
    assertEquals(0, w.received(BATCH - 1, true));
    assertEquals(BATCH, w.received(1, true));
    assertEquals(0, w.received(BATCH, false));
    assertEquals(BATCH, w.resumed());
  }

  @Test
  void discardedBytesAreNeverPartOfAGrant() {
    ReceiveWindow w = new ReceiveWindow();
    assertEquals(0, w.received(100, false));
    assertEquals(100, w.releaseAll()); // the close: what arrived before it is acknowledged
    assertEquals(0, w.discarded(BATCH - 1));
    // The application reads what was queued before its close: nothing discarded is granted.
    assertEquals(0, w.resumed());
    assertEquals(0, w.releaseAll());
    assertEquals(BATCH, w.discarded(1)); // credit only, in the same batches
    assertEquals(0, w.discarded(BATCH - 1));
    w.reset();
    assertEquals(0, w.discarded(1));
  }
}
