package dev.p2p.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.p2p.api.internal.HostPort;
import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesHostsPortsAndBracketedIpv6() {
    assertEquals(new HostPort("127.0.0.1", 7000), HostPort.parse("127.0.0.1:7000"));
    assertEquals(new HostPort("::1", 0), HostPort.parse(" [::1]:0 "));
    assertEquals(new HostPort("", 9), HostPort.parse(":9"));
    assertEquals(new HostPort("relay.example", 65535), HostPort.parse("relay.example:65535"));
  }

  @Test
  void rejectsMissingOrBadPorts() {
    for (String bad : new String[] {"localhost", "host:", "host:x", "host:65536", "host:-1"}) {
      assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
    }
  }
}
