package dev.p2p.testkit;

/**
 * A bug planted in the in-memory provider, and the contract test that must catch it. The kit's own
 * tests prove each contract test can fail.
 */
enum Fault {
  NONE(""),
  ACCEPTED_PEER_ID_IS_OWN("connectAndAcceptBothWays"),
  UNKNOWN_ID_HANGS("connectToUnknownPeerIdFails"),
  NON_LISTENING_HANGS("connectToNonListeningPeerFails"),
  REORDER_RELIABLE("reliableMessagesArriveInOrderExactlyOnce"),
  DUPLICATE_RELIABLE("reliableMessagesArriveInOrderExactlyOnce"),
  MAX_SIZE_TOO_STRICT("maxSizeLimitIsEnforced"),
  MAX_SIZE_OFF_BY_ONE("maxSizeLimitIsEnforced"),
  RACY_CONCURRENT_SENDS("concurrentSendersKeepPerThreadOrder"),
  REORDER_WHEN_BOTH_DIRECTIONS_BUSY("anyInterleavingOfTwoDirectionsIsDeliveredInOrder"),
  TRUNCATE_AT_64_KIB("sizesAroundPowersOfTwoSurviveBothWays"),
  CORRUPT_UNRELIABLE("unreliableMessagesAreNeverInventedOrCorrupted"),
  NO_CLOSE_NOTIFY("pendingRecvFailsWhenPeerCloses"),
  DROP_INBOX_ON_REMOTE_CLOSE("messagesSentBeforeCloseAreDelivered"),
  SEND_AFTER_CLOSE_SUCCEEDS("sendAndRecvFailAfterLocalClose"),
  LISTENER_CLOSE_KEEPS_ACCEPTING("closingListenerFailsAcceptAndRefusesConnects"),
  PROVIDER_CLOSE_KEEPS_CONNECTIONS("closingProviderClosesItsConnectionsAndOperations"),
  BROKEN_STATE_CHAIN("stateChangesReachListenersAndEndClosed"),
  EVENT_AFTER_CLOSED("stateChangesReachListenersAndEndClosed"),
  STATS_COUNT_FRAMING("statsAgreeWithTraffic"),
  LEAK_THREAD("noThreadLeftAfterProvidersClose");

  /** The contract test method that must fail with this fault planted. */
  final String caughtBy;

  Fault(String caughtBy) {
    this.caughtBy = caughtBy;
  }
}
