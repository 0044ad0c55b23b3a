/**
 * Client side of STUN Binding for reflexive discovery and NAT classification: a transaction without
 * I/O that any UDP socket's owner can drive ({@link
 * dev.p2p.relay.internal.stun.BindingTransaction}), a round over several servers ({@link
 * dev.p2p.relay.internal.stun.StunRound}), the classifier, and a stand-alone check ({@link
 * dev.p2p.relay.internal.stun.NatCheck}). Decoding reuses the relay's server-side {@link
 * dev.p2p.relay.internal.StunCodec}.
 */
package dev.p2p.relay.internal.stun;
