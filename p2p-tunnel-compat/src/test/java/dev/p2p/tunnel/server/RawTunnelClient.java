package dev.p2p.tunnel.server;

import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.DataFrame;
import dev.p2p.tunnel.internal.TunnelFrame;
import dev.p2p.tunnel.internal.TunnelFrameCodec;
import dev.p2p.tunnel.internal.TunnelProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A blocking tunnel client for server tests: it speaks the wire format directly, so a test can
 * misbehave (wrong signature, bad frames, never reading) in ways the real provider never would.
 * Every read has a timeout.
 */
final class RawTunnelClient implements AutoCloseable {
  final Ed25519Identity identity;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawTunnelClient(Ed25519Identity identity, Socket socket) throws IOException {
    this.identity = identity;
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawTunnelClient connect(TunnelServer server) throws IOException {
    return connect(server, Ed25519Identity.generate(), 0);
  }

  static RawTunnelClient connect(TunnelServer server, Ed25519Identity id, int receiveBuffer)
      throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
      s.setSendBufferSize(receiveBuffer);
    }
    s.setTcpNoDelay(true);
    s.setSoTimeout(5000);
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
    return new RawTunnelClient(id, s);
  }

  PeerId peer() {
    return identity.peerId();
  }

  void timeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  void send(TunnelFrame frame) throws IOException {
    ByteBuf buf = TunnelFrameCodec.encode(ByteBufAllocator.DEFAULT, frame);
    writeAndRelease(buf);
  }

  void sendData(long connectionId, int channel, long number, boolean last, byte[] payload)
      throws IOException {
    writeAndRelease(
        TunnelFrameCodec.encodeData(
            ByteBufAllocator.DEFAULT,
            connectionId,
            channel,
            number,
            last,
            payload,
            0,
            payload.length));
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  private void writeAndRelease(ByteBuf buf) throws IOException {
    try {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      out.write(bytes);
      out.flush();
    } finally {
      buf.release();
    }
  }

  /** The next frame; DATA frames are returned as {@link Data} copies. */
  Object read() throws IOException {
    int length = in.readInt();
    byte[] frame = new byte[4 + length];
    frame[0] = (byte) (length >>> 24);
    frame[1] = (byte) (length >>> 16);
    frame[2] = (byte) (length >>> 8);
    frame[3] = (byte) length;
    in.readFully(frame, 4, length);
    TunnelFrame decoded = TunnelFrameCodec.decode(Unpooled.wrappedBuffer(frame));
    if (decoded instanceof DataFrame d) {
      byte[] payload = new byte[d.payloadLength()];
      d.copyPayload(payload, 0);
      d.release();
      return new Data(d.connectionId(), d.channel(), d.messageNumber(), d.last(), payload);
    }
    return decoded;
  }

  /** Reads until a frame of {@code type} arrives (pongs are skipped). */
  <T> T expect(Class<T> type) throws IOException {
    while (true) {
      Object frame = read();
      if (type.isInstance(frame)) {
        return type.cast(frame);
      }
      if (!(frame instanceof TunnelFrame.Pong)) {
        throw new AssertionError("expected " + type.getSimpleName() + ", got " + frame);
      }
    }
  }

  /** True if the server closed the connection (reads end) within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        read();
      }
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** Registers with the right signature; returns what the server answered last. */
  Object register(long appId, String token) throws IOException {
    return register(appId, token, identity);
  }

  /** Registers claiming this client's id but signing with {@code signer}. */
  Object register(long appId, String token, Ed25519Identity signer) throws IOException {
    return register(new TunnelFrame.Register(peer(), appId, token), signer);
  }

  /** Registers with flow control (WINDOW_UPDATE, END_ACK, RESET), as today's provider does. */
  Object registerWithFlowControl() throws IOException {
    return register(
        new TunnelFrame.Register(peer(), 0, "", TunnelProtocol.FEATURE_FLOW_CONTROL), identity);
  }

  private Object register(TunnelFrame.Register register, Ed25519Identity signer)
      throws IOException {
    long appId = register.appId();
    send(register);
    Object answer = read();
    if (!(answer instanceof TunnelFrame.Challenge challenge)) {
      return answer;
    }
    byte[] signed = TunnelProtocol.signedChallenge(challenge.nonce(), peer(), appId);
    send(new TunnelFrame.ChallengeResponse(signer.sign(signed)));
    return read();
  }

  /** Asks the server for a connection to {@code peer}; returns the server's answer. */
  Object requestConnection(int requestId, PeerId peer, int port) throws IOException {
    send(
        new TunnelFrame.ConnectRequest(
            requestId, 0, peer, ConnectionType.NETWORKING_SOCKETS, port, 0, 0, false));
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A DATA frame as the test sees it. */
  record Data(long connectionId, int channel, long number, boolean last, byte[] payload) {}

  /** Connects {@code a} to {@code b} through the server; returns the connection id. */
  static long open(RawTunnelClient a, RawTunnelClient b, int port) throws IOException {
    a.requestConnection(1, b.peer(), port);
    TunnelFrame.ConnectRequest incoming = b.expect(TunnelFrame.ConnectRequest.class);
    b.send(new TunnelFrame.ConnectAccepted(0, incoming.connectionId(), a.peer(), 0));
    TunnelFrame.ConnectAccepted accepted = a.expect(TunnelFrame.ConnectAccepted.class);
    if (accepted.connectionId() != incoming.connectionId()) {
      throw new AssertionError("both ends must see one connection id");
    }
    return accepted.connectionId();
  }
}
