package dev.p2p.tunnel.internal;

import dev.p2p.api.PeerId;
import dev.p2p.tunnel.server.ConnectionType;
import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded tunnel frame. Every frame but {@link DataFrame} is a small immutable record; a data
 * frame holds a slice of the network buffer and must be released.
 */
public sealed interface TunnelFrame
    permits TunnelFrame.Register,
        TunnelFrame.Challenge,
        TunnelFrame.ChallengeResponse,
        TunnelFrame.Registered,
        TunnelFrame.ConnectRequest,
        TunnelFrame.ConnectAccepted,
        TunnelFrame.FailedConnect,
        TunnelFrame.ConnectionEnd,
        TunnelFrame.WindowUpdate,
        TunnelFrame.EndAck,
        TunnelFrame.Reset,
        TunnelFrame.Ping,
        TunnelFrame.Pong,
        TunnelFrame.Error,
        DataFrame {

  FrameType type();

  /**
   * Client to server: who I claim to be, in which app, with which access token, and which protocol
   * extensions ({@link TunnelProtocol#FEATURE_FLOW_CONTROL}) I speak. A client without extensions
   * sends no features field (0), as version 1 clients before them did.
   */
  record Register(PeerId peer, long appId, String token, int features) implements TunnelFrame {
    public Register {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(token, "token");
    }

    /** A client without protocol extensions. */
    public Register(PeerId peer, long appId, String token) {
      this(peer, appId, token, 0);
    }

    @Override
    public FrameType type() {
      return FrameType.REGISTER;
    }

    @Override
    public String toString() {
      return "Register[" + peer.shortString() + ", app " + appId + "]"; // never print the token
    }
  }

  /** Server to client: sign this nonce to prove you own the key. */
  record Challenge(byte[] nonce) implements TunnelFrame {
    public Challenge {
      nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
      return nonce.clone();
    }

    @Override
    public FrameType type() {
      return FrameType.CHALLENGE;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Challenge c && Arrays.equals(nonce, c.nonce);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(nonce);
    }
  }

  /** Client to server: the Ed25519 signature of {@link TunnelProtocol#signedChallenge}. */
  record ChallengeResponse(byte[] signature) implements TunnelFrame {
    public ChallengeResponse {
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public FrameType type() {
      return FrameType.CHALLENGE_RESPONSE;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ChallengeResponse c && Arrays.equals(signature, c.signature);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(signature);
    }
  }

  /** Server to client: registration done; the server's limits, so the client can adapt. */
  record Registered(int maxFrameSize, int idleTimeoutMillis) implements TunnelFrame {
    @Override
    public FrameType type() {
      return FrameType.REGISTERED;
    }
  }

  /**
   * Client to server: open a connection to {@code peer} ({@code connectionId} 0). Server to client:
   * {@code peer} wants a connection, answer with {@link ConnectAccepted} or {@link FailedConnect}
   * for {@code connectionId} ({@code requestId} 0).
   *
   * @param nextMessageNumber the next data message number the sender of this frame will use: 0 for
   *     a new connection, more when a connection resumes after the server came back
   * @param resume true if this re-opens a connection both peers had before the server went away:
   *     the destination must not take it for a new one
   */
  record ConnectRequest(
      int requestId,
      long connectionId,
      PeerId peer,
      ConnectionType connectionType,
      int virtualPort,
      int channel,
      long nextMessageNumber,
      boolean resume)
      implements TunnelFrame {
    public ConnectRequest {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(connectionType, "connectionType");
    }

    @Override
    public FrameType type() {
      return FrameType.CONNECT_REQUEST;
    }
  }

  /** The destination accepted; the server passes it on to the requester with its request id. */
  record ConnectAccepted(int requestId, long connectionId, PeerId peer, long nextMessageNumber)
      implements TunnelFrame {
    public ConnectAccepted {
      Objects.requireNonNull(peer, "peer");
    }

    @Override
    public FrameType type() {
      return FrameType.CONNECT_ACCEPTED;
    }
  }

  /** The connect request failed: destination unknown, refused, or a limit reached. */
  record FailedConnect(
      int requestId, long connectionId, PeerId peer, FailReason reason, String message)
      implements TunnelFrame {
    public FailedConnect {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public FrameType type() {
      return FrameType.FAILED_CONNECT;
    }
  }

  /** One side ended the connection; the server passes it on to the other side. */
  record ConnectionEnd(long connectionId, String reason) implements TunnelFrame {
    public ConnectionEnd {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
      return FrameType.CONNECTION_END;
    }
  }

  /**
   * Flow control (extension): the sender of this frame may receive {@code increment} more payload
   * bytes on the connection. Travels to the other end; the server checks that no sender exceeds
   * what its receiver granted.
   *
   * @param acknowledges whether the grant also acknowledges the bytes it covers (the usual case).
   *     False for credit given back for bytes a closed receiver discarded, only so that the ENDs of
   *     a crossing close get out: the sender must not count those bytes as delivered.
   */
  record WindowUpdate(long connectionId, int increment, boolean acknowledges)
      implements TunnelFrame {
    /** An ordinary grant, which acknowledges what it covers. */
    public WindowUpdate(long connectionId, int increment) {
      this(connectionId, increment, true);
    }

    @Override
    public FrameType type() {
      return FrameType.WINDOW_UPDATE;
    }
  }

  /**
   * Graceful close (extension): the sender of this frame has received everything the other end sent
   * before its {@link ConnectionEnd}. The closing side's close future completes on it.
   */
  record EndAck(long connectionId) implements TunnelFrame {
    @Override
    public FrameType type() {
      return FrameType.END_ACK;
    }
  }

  /**
   * Abortive close (extension): the connection is gone now, and what was in flight may be lost.
   * Sent by the server when an end left or a connection went stale, by a client past its linger.
   */
  record Reset(long connectionId, String reason) implements TunnelFrame {
    public Reset {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
      return FrameType.RESET;
    }
  }

  record Ping(long token) implements TunnelFrame {
    @Override
    public FrameType type() {
      return FrameType.PING;
    }
  }

  record Pong(long token) implements TunnelFrame {
    @Override
    public FrameType type() {
      return FrameType.PONG;
    }
  }

  /** The session is about to be closed, and why. */
  record Error(ErrorCode code, String message) implements TunnelFrame {
    public Error {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public FrameType type() {
      return FrameType.ERROR;
    }
  }
}
