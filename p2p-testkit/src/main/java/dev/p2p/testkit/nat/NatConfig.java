package dev.p2p.testkit.nat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A user-space NAT's behaviour.
 *
 * @param publicAddress the NAT's outside address
 * @param mapping RFC 4787 mapping behaviour
 * @param filtering RFC 4787 filtering behaviour
 * @param mappingTimeout a mapping (and each permission to send in) lapses this long after the host
 *     last sent through it; only outbound traffic refreshes (RFC 4787 REQ-6)
 * @param ports how public ports are chosen
 * @param portMin lowest public port (inclusive)
 * @param portMax highest public port (inclusive); fewer ports make exhaustion testable
 * @param seed for {@link PortAssignment#RANDOM}
 */
public record NatConfig(
    InetAddress publicAddress,
    NatBehaviour mapping,
    NatBehaviour filtering,
    Duration mappingTimeout,
    PortAssignment ports,
    int portMin,
    int portMax,
    long seed) {

  /** Real devices' common UDP timeout (RFC 4787 asks for 2 minutes; many give 30 s). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public NatConfig {
    Objects.requireNonNull(publicAddress, "publicAddress");
    Objects.requireNonNull(mapping, "mapping");
    Objects.requireNonNull(filtering, "filtering");
    Objects.requireNonNull(ports, "ports");
    if (mappingTimeout.isNegative() || mappingTimeout.isZero()) {
      throw new IllegalArgumentException("mappingTimeout must be positive: " + mappingTimeout);
    }
    if (portMin < 1 || portMax > 65535 || portMin > portMax) {
      throw new IllegalArgumentException(
          "need 1 <= portMin <= portMax <= 65535: " + portMin + ".." + portMax);
    }
  }

  public static NatConfig of(
      InetAddress publicAddress, NatBehaviour mapping, NatBehaviour filtering) {
    return new NatConfig(
        publicAddress,
        mapping,
        filtering,
        DEFAULT_TIMEOUT,
        PortAssignment.PRESERVE,
        1024,
        65535,
        1);
  }

  /** RFC 3489's "full cone": endpoint-independent mapping and filtering. */
  public static NatConfig fullCone(InetAddress publicAddress) {
    return of(publicAddress, NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT);
  }

  /** "Restricted cone": endpoint-independent mapping, address-dependent filtering. */
  public static NatConfig restrictedCone(InetAddress publicAddress) {
    return of(publicAddress, NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT);
  }

  /** "Port-restricted cone" (Linux masquerade): endpoint-independent mapping, exact filtering. */
  public static NatConfig portRestrictedCone(InetAddress publicAddress) {
    return of(
        publicAddress, NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);
  }

  /** "Symmetric" (masquerade fully-random): a random port per destination, exact filtering. */
  public static NatConfig symmetric(InetAddress publicAddress) {
    return of(
            publicAddress,
            NatBehaviour.ADDRESS_AND_PORT_DEPENDENT,
            NatBehaviour.ADDRESS_AND_PORT_DEPENDENT)
        .withPorts(PortAssignment.RANDOM);
  }

  public NatConfig withTimeout(Duration timeout) {
    return new NatConfig(publicAddress, mapping, filtering, timeout, ports, portMin, portMax, seed);
  }

  public NatConfig withPorts(PortAssignment assignment) {
    return new NatConfig(
        publicAddress, mapping, filtering, mappingTimeout, assignment, portMin, portMax, seed);
  }

  public NatConfig withPortRange(int min, int max) {
    return new NatConfig(publicAddress, mapping, filtering, mappingTimeout, ports, min, max, seed);
  }

  public NatConfig withSeed(long s) {
    return new NatConfig(
        publicAddress, mapping, filtering, mappingTimeout, ports, portMin, portMax, s);
  }
}
