import { EVENTS_URL } from './api.js';
import { useEffect, useRef, useState } from './lib.js';

/** Re-read when there is no news for this long: changes handled by another instance are announced there, not here. */
const FALLBACK_POLL_MS = 30_000;
const DEBOUNCE_MS = 250;
/** After the server refused the stream: ask again this much later. */
const REOPEN_MS = 10_000;

/**
 * Calls `onChange(change)` when an incident changes (Server-Sent Events from the admin API), debounced; falls back to
 * polling when the stream is down. Returns whether the stream is connected (shown as "Live").
 */
export function useIncidentEvents(onChange, filter = () => true) {
  const [connected, setConnected] = useState(false);
  const latest = useRef(onChange);
  latest.current = onChange;
  const accepts = useRef(filter);
  accepts.current = filter;
  useEffect(() => {
    let timer;
    const fire = () => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), DEBOUNCE_MS);
    };
    let source;
    let reopen;
    const open = () => {
      source = new EventSource(EVENTS_URL);
      source.addEventListener('ready', () => setConnected(true));
      source.addEventListener('incident', (event) => {
        try {
          if (accepts.current(JSON.parse(event.data))) fire();
        } catch {
          fire();
        }
      });
      source.onerror = () => {
        setConnected(false);
        // The browser retries a dropped stream itself, but gives up on an error answer (a 503 while a store is away).
        if (source.readyState === EventSource.CLOSED) reopen = setTimeout(open, REOPEN_MS);
      };
    };
    open();
    const poll = setInterval(() => latest.current(), FALLBACK_POLL_MS);
    return () => {
      source.close();
      clearTimeout(reopen);
      clearTimeout(timer);
      clearInterval(poll);
    };
  }, []);
  return connected;
}
