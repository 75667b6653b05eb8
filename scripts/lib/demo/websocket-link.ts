// The exchange WebSocket link as ws-gateway sees it: heartbeats while connected, and the flapping-link
// fault (disconnect and reconnect, again and again).
import type { DemoState } from "./state.ts";

/** A pong from Bybit: only a connected socket gets one. */
export function touchHeartbeat(state: DemoState): void {
  if (state.websocket.status === "connected") state.websocket.lastHeartbeat = new Date();
}

const DISCONNECT_REASONS = [
  "WebSocket connection closed: code 1006 (abnormal closure)",
  "Ping timeout: no pong from Bybit within 20 s",
  "Connection reset by peer",
  "Server sent close frame: code 1001 (going away)",
];

/**
 * The flapping-link fault: the private WebSocket drops and reconnects again and again
 * (disconnected -> connecting -> reconnecting -> connected), one step every stepMs, counting each
 * reconnection and keeping the last error. The returned function stops it and leaves the link connected.
 */
export function cycleWebsocket(state: DemoState, options: { stepMs?: number } = {}): () => void {
  const stepMs = options.stepMs ?? 5_000;
  const { websocket } = state;
  let drops = 0;
  let counted = false;

  const connect = () => {
    websocket.status = "connected";
    websocket.connectedAt = new Date();
    websocket.lastHeartbeat = new Date();
  };
  const step = () => {
    switch (websocket.status) {
      case "connected":
        websocket.status = "disconnected";
        websocket.connectedAt = null;
        websocket.lastError = DISCONNECT_REASONS[drops++ % DISCONNECT_REASONS.length]!;
        counted = false;
        break;
      case "disconnected":
        websocket.status = "connecting";
        break;
      case "connecting":
        websocket.status = "reconnecting";
        websocket.reconnectionCount++;
        counted = true;
        break;
      case "reconnecting":
        connect();
        break;
    }
  };

  step();
  const timer = setInterval(step, stepMs);
  return () => {
    clearInterval(timer);
    if (websocket.status === "connected") return;
    if (!counted) websocket.reconnectionCount++;
    connect();
  };
}
