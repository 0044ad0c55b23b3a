package dev.p2p.benchmarks.link;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A plain TCP socket with the same length-prefixed framing as the providers' messages: the
 * reference for what the link carries as one stream from Java.
 */
final class TcpEndpoint implements LinkEndpoint {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  TcpEndpoint(Socket socket) throws Exception {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    socket.setSoTimeout((int) (LinkPeer.WAIT_SECONDS * 1000));
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 256 << 10));
    this.out = socket.getOutputStream();
  }

  @Override
  public void send(byte[] message) throws Exception {
    byte[] frame = new byte[4 + message.length];
    frame[0] = (byte) (message.length >>> 24);
    frame[1] = (byte) (message.length >>> 16);
    frame[2] = (byte) (message.length >>> 8);
    frame[3] = (byte) message.length;
    System.arraycopy(message, 0, frame, 4, message.length);
    out.write(frame);
  }

  @Override
  public byte[] recv() throws Exception {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException e) {
      return null;
    }
    byte[] message = new byte[length];
    in.readFully(message);
    return message;
  }

  @Override
  public void close() throws Exception {
    socket.shutdownOutput();
    socket.close();
  }
}
