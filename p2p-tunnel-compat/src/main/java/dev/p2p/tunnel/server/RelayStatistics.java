package dev.p2p.tunnel.server;

/**
 * Totals of a {@link RelayManager} since it was created.
 *
 * @param totalPackets packets relayed over all connections, closed ones included
 * @param totalBytes payload bytes relayed over all connections, closed ones included
 * @param activeConnections connections not yet closed
 * @param connectionsCreated connections ever created
 * @param connectionsClosed connections ever closed (explicitly, with their peer, or as stale)
 */
public record RelayStatistics(
    long totalPackets,
    long totalBytes,
    int activeConnections,
    long connectionsCreated,
    long connectionsClosed) {}
