package dev.p2p.tunnel;

import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.TunnelFrame;
import dev.p2p.tunnel.internal.TunnelFrameCodec;
import dev.p2p.tunnel.internal.TunnelProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A peer that registers with the tunnel server and then never reads or answers: a connect to it is
 * neither accepted nor refused, so it can only run out of time. The tunnel's equivalent of a peer
 * behind a partition (the server itself answers, so the dialler's session stays healthy).
 */
final class SilentPeer implements AutoCloseable {
  private final Ed25519Identity identity = Ed25519Identity.generate();
  private final Socket socket = new Socket();

  /** Registers with the server on loopback {@code port} (app id 0, no token, flow control). */
  static SilentPeer register(int port) {
    SilentPeer peer = new SilentPeer();
    try {
      peer.handshake(port);
      return peer;
    } catch (IOException e) {
      peer.close();
      throw new UncheckedIOException("the silent peer could not register", e);
    }
  }

  private void handshake(int port) throws IOException {
    socket.setSoTimeout(5000);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    PeerId id = identity.peerId();
    write(out, new TunnelFrame.Register(id, 0, "", TunnelProtocol.FEATURE_FLOW_CONTROL));
    TunnelFrame.Challenge challenge = (TunnelFrame.Challenge) read(in);
    byte[] signed = TunnelProtocol.signedChallenge(challenge.nonce(), id, 0);
    write(out, new TunnelFrame.ChallengeResponse(identity.sign(signed)));
    if (!(read(in) instanceof TunnelFrame.Registered)) {
      throw new IOException("the server did not register the silent peer");
    }
  }

  PeerId peerId() {
    return identity.peerId();
  }

  private static void write(OutputStream out, TunnelFrame frame) throws IOException {
    ByteBuf buf = TunnelFrameCodec.encode(ByteBufAllocator.DEFAULT, frame);
    try {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      out.write(bytes);
      out.flush();
    } finally {
      buf.release();
    }
  }

  private static TunnelFrame read(DataInputStream in) throws IOException {
    int length = in.readInt();
    byte[] frame = new byte[4 + length];
    frame[0] = (byte) (length >>> 24);
    frame[1] = (byte) (length >>> 16);
    frame[2] = (byte) (length >>> 8);
    frame[3] = (byte) length;
    in.readFully(frame, 4, length);
    return TunnelFrameCodec.decode(Unpooled.wrappedBuffer(frame));
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket: nothing to do
    }
  }
}
