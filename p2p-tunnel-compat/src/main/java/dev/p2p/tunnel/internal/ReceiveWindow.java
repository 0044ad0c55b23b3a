package dev.p2p.tunnel.internal;

/**
 * The receiving half of one connection's flow control: which received bytes are still to be granted
 * back to the sender. Bytes are granted back while the inbox wants more, and withheld while the
 * application is behind, so the sender stops after one window and memory stays bounded: unread
 * messages plus one window plus one message being reassembled. Grants go in batches of a quarter
 * window, which leaves the sender three quarters to go on with meanwhile. Event loop only.
 */
final class ReceiveWindow {
  static final int GRANT_BATCH = TunnelProtocol.INITIAL_WINDOW / 4;

  private int toGrant;
  private long withheld;
  private int toCredit; // discarded bytes not yet given back: kept apart, they acknowledge nothing

  /**
   * {@code bytes} arrived. Returns the increment to grant now, or 0.
   *
   * @param wantsMore whether the inbox takes more now (false while the application is behind)
   */
  int received(int bytes, boolean wantsMore) {
    if (!wantsMore) {
      withheld += bytes;
      return 0;
    }
    toGrant += bytes;
    return take(false);
  }

  /**
   * {@code bytes} arrived after the local close and were discarded. Returns the credit to give back
   * now (in the same batches as grants), or 0. Counted apart from what is granted, so that no grant
   * that acknowledges ever covers discarded bytes.
   */
  int discarded(int bytes) {
    toCredit += bytes;
    if (toCredit < GRANT_BATCH) {
      return 0;
    }
    int credit = toCredit;
    toCredit = 0;
    return credit;
  }

  /** The inbox wants more again: what was withheld can be granted. */
  int resumed() {
    toGrant += (int) withheld;
    withheld = 0;
    return take(false);
  }

  /** Everything received so far, granted at once (the receiver closed and discards from now). */
  int releaseAll() {
    toGrant += (int) withheld;
    withheld = 0;
    return take(true);
  }

  private int take(boolean all) {
    if (toGrant == 0 || (!all && toGrant < GRANT_BATCH)) {
      return 0;
    }
    int grant = toGrant;
    toGrant = 0;
    return grant;
  }

  /** A new channel after a reconnect: the sender starts from a fresh window. */
  void reset() {
    toGrant = 0;
    withheld = 0;
    toCredit = 0;
  }
}
