/**
 * The relay server: forwards opaque packets between logged-in peers by PeerId, and answers STUN.
 */
package dev.p2p.relay;
