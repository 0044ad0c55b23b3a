package dev.p2p.testkit;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;

/**
 * Both ends of one connection: {@code dialled} is the dialler's end, {@code accepted} the end the
 * listener handed out.
 */
record ConnectedPair(
    P2PProvider dialler,
    P2PProvider acceptor,
    P2PListener listener,
    P2PConnection dialled,
    P2PConnection accepted) {}
