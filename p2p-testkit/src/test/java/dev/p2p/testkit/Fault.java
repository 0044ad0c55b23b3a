package dev.p2p.testkit;

/**
 * A bug planted in the in-memory provider, and the contract test that must catch it. The kit's own
 * tests prove each contract test can fail.
 */
enum Fault {
  NONE(""),
  ACCEPTED_PEER_ID_IS_OWN("connectAndAcceptBothWays"),
  UNKNOWN_ID_HANGS("connectToUnknownPeerIdFails"),
  UNKNOWN_ID_IS_CONNECTION_FAILED("connectToUnknownPeerIdFails"),
  NON_LISTENING_HANGS("connectToNonListeningPeerFails"),
  CONNECT_TIMEOUT_IS_CONNECTION_FAILED("connectThatTimesOutFailsWithP2PTimeoutException"),
  LISTEN_TWICE_REPLACES("listeningTwiceFailsWithIllegalStateException"),
  REORDER_RELIABLE("reliableMessagesArriveInOrderExactlyOnce"),
  DUPLICATE_RELIABLE("reliableMessagesArriveInOrderExactlyOnce"),
  MAX_SIZE_TOO_STRICT("maxSizeLimitIsEnforced"),
  MAX_SIZE_OFF_BY_ONE("maxSizeLimitIsEnforced"),
  RACY_CONCURRENT_SENDS("concurrentSendersKeepPerThreadOrder"),
  REORDER_WHEN_BOTH_DIRECTIONS_BUSY("anyInterleavingOfTwoDirectionsIsDeliveredInOrder"),
  TRUNCATE_AT_64_KIB("sizesAroundPowersOfTwoSurviveBothWays"),
  CORRUPT_UNRELIABLE("unreliableMessagesAreNeverInventedOrCorrupted"),
  DROP_ALL_UNRELIABLE("unreliableMessagesAreNeverInventedOrCorrupted"),
  RECV_COMPLETES_TIMED_OUT_FUTURE("recvTimedOutByCallerDoesNotSwallowNextMessage"),
  ACCEPT_COMPLETES_TIMED_OUT_FUTURE("acceptTimedOutByCallerDoesNotSwallowNextConnection"),
  NO_CLOSE_NOTIFY("pendingRecvFailsWhenPeerCloses"),
  DROP_INBOX_ON_REMOTE_CLOSE("messagesSentBeforeCloseAreDelivered"),
  SEND_AFTER_CLOSE_SUCCEEDS("sendAndRecvFailAfterLocalClose"),
  LISTENER_CLOSE_KEEPS_ACCEPTING("closingListenerFailsAcceptAndRefusesConnects"),
  PROVIDER_CLOSE_KEEPS_CONNECTIONS("closingProviderClosesItsConnectionsAndOperations"),
  CLOSE_FUTURE_BEFORE_DELIVERY("closeFutureCompletesOnceThePeerHasEverything"),
  CLOSE_FUTURE_IGNORES_LOSS("closeFutureFailsWhenThePeerVanishesMidTransfer"),
  /** Needs latency, so that something is still on the way when the provider closes. */
  PROVIDER_CLOSE_RESETS_AT_ONCE("providerCloseRightAfterABurstDeliversEverything", 200),
  ON_NEXT_BEYOND_DEMAND("messagesArriveInOrderExactlyOnceWithinDemand"),
  PUSH_SKIPS_EARLY_MESSAGES("messagesArriveInOrderExactlyOnceWithinDemand"),
  UNBOUNDED_SEND_BUFFER("messagesBackPressureStopsTheSenderAndResumes"),
  STALL_AFTER_PAUSE("messagesBackPressureStopsTheSenderAndResumes"),
  NO_ON_COMPLETE("messagesCompleteAfterGracefulPeerClose"),
  ON_COMPLETE_ON_LOCAL_CLOSE("messagesEndWithErrorOnLocalCloseOrCancel"),
  CANCEL_KEEPS_CONNECTION("messagesEndWithErrorOnLocalCloseOrCancel"),
  RECV_ALLOWED_WHILE_SUBSCRIBED("messagesHasOneConsumer"),
  SECOND_SUBSCRIBER_REPLACES_FIRST("messagesHasOneConsumer"),
  REQUEST_ZERO_IGNORED("messagesRejectsRequestOfZero"),
  BROKEN_STATE_CHAIN("stateChangesReachListenersAndEndClosed"),
  EVENT_AFTER_CLOSED("stateChangesReachListenersAndEndClosed"),
  STATS_COUNT_FRAMING("statsAgreeWithTraffic"),
  RTT_INFLATED("statsRttStaysNearTheLinkRtt"),
  RTT_NOT_MEASURED("statsRttStaysNearTheLinkRtt"),
  LEAK_THREAD("noThreadLeftAfterProvidersClose");

  /** The contract test method that must fail with this fault planted. */
  final String caughtBy;

  /** One-way latency of the in-memory network this fault needs to show. */
  final long latencyMillis;

  Fault(String caughtBy) {
    this(caughtBy, 0);
  }

  Fault(String caughtBy, long latencyMillis) {
    this.caughtBy = caughtBy;
    this.latencyMillis = latencyMillis;
  }
}
