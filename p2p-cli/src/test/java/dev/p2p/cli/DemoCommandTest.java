package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @AfterEach
  void clear() {
    System.clearProperty("simulator.p2p.packet.loss");
    System.clearProperty("simulator.p2p.latency.ms");
    System.clearProperty("p2p.implementation");
  }

  @Test
  void demoOnTheSimulatorReportsTheConnectionAndItsLosses() {
    System.setProperty("simulator.p2p.packet.loss", "0.2");
    System.setProperty("simulator.p2p.latency.ms", "5");
    assertEquals(0, run("demo", "--messages", "40", "--size", "100"), err.toString());
    String text = out.toString();
    assertTrue(text.contains("provider   simulator"), text);
    assertTrue(text.contains("echoed     40 messages of 100 bytes"), text);
    assertTrue(text.contains("received   40 messages, 4000 bytes"), text);
    assertTrue(text.matches("(?s).*retransmissions.*"), text);
    int lossLine = text.indexOf("loss ");
    assertTrue(lossLine >= 0 && !text.substring(lossLine).startsWith("loss       0.0%"), text);
  }

  @Test
  void unknownProviderIsOneLineNamingTheAvailableOnesAndExitCode2() {
    System.setProperty("p2p.implementation", "nope");
    assertEquals(2, run("demo"));
    String message = err.toString().strip();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.contains("unknown P2P implementation 'nope'"), message);
    assertTrue(message.contains("simulator") && message.contains("quic"), message);
  }
}
